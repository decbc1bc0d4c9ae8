namespace ReactorNet.Samples.Resp.Storage;

/// <summary>
/// The string keyspace (one database, like <c>SELECT 0</c>): keys and values are byte arrays, an
/// optional expiry per key, memory accounted per entry. Not thread-safe: the server serialises
/// every command on it (see <see cref="Server.RespServerState.Gate"/>).
/// </summary>
/// <remarks>
/// Expiry as Redis does it: <b>lazily</b> (a key found expired on access is deleted then) and
/// <b>actively</b> (<see cref="ActiveExpireCycle"/>, called periodically, samples random keys that
/// have an expiry and deletes the expired ones; the work per call is bounded). Keys with an expiry
/// are also kept in an array so that a random one can be drawn in O(1).
/// </remarks>
public sealed class Keyspace
{
    // The memory account in bytes of the 64-bit runtime's heap: an Entry object (header, method
    // table, two references, a long, two ints), an array (header, method table, length, then its
    // bytes rounded up to 8), a slot of the key table (the dictionary's entry: hash, next, key,
    // value; and its bucket) and of the expiry array (a reference).
    private const int EntryObjectBytes = 48;
    private const int ArrayHeaderBytes = 24;
    private const int TableSlotBytes = 28;
    private const int VolatileSlotBytes = 8;

    /// <summary>Keys sampled per round of <see cref="ActiveExpireCycle"/> (Redis's ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP).</summary>
    public const int ActiveExpireSamples = 20;

    /// <summary>
    /// Time one <see cref="ActiveExpireCycle"/> may take (Redis: 25 % of a 100 ms tick). A budget
    /// of time, not of keys: a fixed count per tick reclaims less than a client can expire.
    /// </summary>
    public const long ActiveExpireBudgetMilliseconds = 25;

    /// <summary>Rounds between two looks at the clock (Redis: every 16 iterations).</summary>
    private const int RoundsPerClockRead = 16;

    /// <summary>Pass to <see cref="Set"/> to keep the key's current expiry (APPEND, INCR).</summary>
    public const long KeepExpiry = -1;

    /// <summary>Pass to <see cref="Set"/> for a key without expiry.</summary>
    public const long NoExpiry = 0;

    private readonly Dictionary<byte[], Entry> _entries = new(ByteKeyComparer.Instance);
    private readonly Dictionary<byte[], Entry>.AlternateLookup<ReadOnlySpan<byte>> _lookup;
    private readonly List<Entry> _volatile = [];
    private readonly Func<long> _clock;
    private readonly Random _random;

    /// <param name="clock">Milliseconds on a monotonic clock; tests pass their own.</param>
    /// <param name="seed">Seed of the active-expiry sampling (tests pass one to be reproducible).</param>
    public Keyspace(Func<long>? clock = null, int? seed = null)
    {
        _lookup = _entries.GetAlternateLookup<ReadOnlySpan<byte>>();
        _clock = clock ?? (static () => Environment.TickCount64);
        _random = seed is int s ? new Random(s) : new Random();
    }

    /// <summary>Keys stored, including expired ones not yet reclaimed.</summary>
    public int Count => _entries.Count;

    /// <summary>Keys that have an expiry.</summary>
    public int VolatileCount => _volatile.Count;

    /// <summary>Slots of the key table (diagnostics: a table keeps its room until <see cref="Tick"/> or <see cref="Flush"/> gives it back).</summary>
    public int TableCapacity => _entries.Capacity;

    /// <summary>Slots of the array of keys that have an expiry.</summary>
    public int VolatileCapacity => _volatile.Capacity;

    /// <summary>
    /// The periodic work (Redis's <c>serverCron</c> part for databases): <see cref="ActiveExpireCycle"/>,
    /// then a table that deletions and expiry left under a tenth full is shrunk to its keys, as
    /// Redis's <c>tryResizeHashTables</c> does. A .NET table never shrinks by itself; the rehash
    /// costs a pass over the keys left, which are fewer than a tenth of the slots.
    /// </summary>
    public void Tick()
    {
        ActiveExpireCycle();
        if (_entries.Capacity > MinShrinkableCapacity && _entries.Count < _entries.Capacity / 10)
        {
            _entries.TrimExcess();
        }
        if (_volatile.Capacity > MinShrinkableCapacity && _volatile.Count < _volatile.Capacity / 10)
        {
            _volatile.TrimExcess();
        }
    }

    /// <summary>Tables this small are not worth shrinking.</summary>
    private const int MinShrinkableCapacity = 1024;

    /// <summary>
    /// The memory account: what the keys and their tables take on the heap — each key's objects
    /// (<see cref="DataBytes"/>) and every slot of the tables, used or not (<see cref="TableBytes"/>).
    /// </summary>
    public long UsedMemory => DataBytes + TableBytes;

    /// <summary>Heap bytes of the stored keys' objects: entry, key and value (with the room APPEND left).</summary>
    public long DataBytes { get; private set; }

    /// <summary>Heap bytes of the key table and the expiry array, all their slots.</summary>
    public long TableBytes => ((long)_entries.Capacity * TableSlotBytes) + ((long)_volatile.Capacity * VolatileSlotBytes);

    /// <summary>0: unlimited. Otherwise writes that may grow memory are refused while <see cref="UsedMemory"/> is above it.</summary>
    public long MaxMemory { get; set; }

    public bool IsOverMemoryLimit => MaxMemory > 0 && UsedMemory > MaxMemory;

    public long Now => _clock();

    /// <summary>The live entry for <paramref name="key"/>, deleting it first if it has expired.</summary>
    public Entry? Find(ReadOnlySpan<byte> key)
    {
        if (!_lookup.TryGetValue(key, out Entry? entry))
        {
            return null;
        }
        if (IsExpired(entry, Now))
        {
            Remove(entry);
            return null;
        }
        return entry;
    }

    /// <summary>
    /// Stores a copy of <paramref name="value"/>. A live value of the same length is overwritten in
    /// place: a SET or INCR that does not change a value's length allocates nothing. (Replies copy
    /// a value out when they are written, so nothing holds on to the old bytes.)
    /// </summary>
    /// <param name="expiresAt">Absolute time in <see cref="Now"/>'s milliseconds, <see cref="NoExpiry"/> or <see cref="KeepExpiry"/>.</param>
    public Entry Set(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, long expiresAt)
    {
        Entry? entry = Find(key);
        if (entry is not null && entry.Length == value.Length)
        {
            value.CopyTo(entry.Buffer);
            ApplyExpiry(entry, expiresAt);
            return entry;
        }
        return Store(key, entry, value.ToArray(), expiresAt);
    }

    /// <summary>
    /// Appends <paramref name="suffix"/> to the value of a live entry (its expiry stays). The value
    /// grows with room to spare, as Redis's <c>sdsMakeRoomFor</c>: to twice the new length below
    /// 1 MiB, 1 MiB more above; so appending small pieces to a large value copies it once in
    /// many appends, not on every one. The room counts in <see cref="UsedMemory"/>.
    /// </summary>
    /// <returns>The value's new length.</returns>
    public int Append(Entry entry, ReadOnlySpan<byte> suffix)
    {
        ArgumentNullException.ThrowIfNull(entry);
        int length = checked(entry.Length + suffix.Length);
        if (length > entry.Buffer.Length)
        {
            int capacity = length < GreedyGrowthLimit ? length * 2 : length + GreedyGrowthLimit;
            byte[] buffer = new byte[capacity];
            entry.Value.CopyTo(buffer);
            DataBytes += ArrayBytes(capacity) - ArrayBytes(entry.Buffer.Length);
            entry.Buffer = buffer;
        }
        suffix.CopyTo(entry.Buffer.AsSpan(entry.Length));
        entry.Length = length;
        return length;
    }

    /// <summary>Redis's SDS_MAX_PREALLOC: a growing value doubles below this, then grows by it.</summary>
    private const int GreedyGrowthLimit = 1 << 20;

    /// <summary>Puts <paramref name="value"/> in <paramref name="entry"/>, the live entry of <paramref name="key"/>, or in a new one when it is null.</summary>
    private Entry Store(ReadOnlySpan<byte> key, Entry? entry, byte[] value, long expiresAt)
    {
        if (entry is null)
        {
            entry = new Entry(key.ToArray(), value);
            _entries.Add(entry.Key, entry);
            DataBytes += EntryBytes(entry);
        }
        else
        {
            DataBytes += ArrayBytes(value.Length) - ArrayBytes(entry.Buffer.Length);
            entry.Buffer = value;
            entry.Length = value.Length;
        }
        ApplyExpiry(entry, expiresAt);
        return entry;
    }

    private void ApplyExpiry(Entry entry, long expiresAt)
    {
        if (expiresAt != KeepExpiry)
        {
            SetExpiry(entry, expiresAt);
        }
    }

    public bool Delete(ReadOnlySpan<byte> key)
    {
        Entry? entry = Find(key);
        if (entry is null)
        {
            return false;
        }
        Remove(entry);
        return true;
    }

    /// <summary>Sets or clears (<see cref="NoExpiry"/>) the expiry of a live entry; a time already past deletes the key, as Redis does.</summary>
    public void SetExpiry(Entry entry, long expiresAt)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (expiresAt == NoExpiry)
        {
            if (entry.VolatileIndex >= 0)
            {
                RemoveVolatile(entry);
            }
            entry.ExpiresAt = NoExpiry;
            return;
        }
        entry.ExpiresAt = expiresAt;
        if (entry.VolatileIndex < 0)
        {
            entry.VolatileIndex = _volatile.Count;
            _volatile.Add(entry);
        }
    }

    /// <summary>Deletes a live entry.</summary>
    public void Remove(Entry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (!_entries.Remove(entry.Key))
        {
            return;
        }
        if (entry.VolatileIndex >= 0)
        {
            RemoveVolatile(entry);
        }
        DataBytes -= EntryBytes(entry);
    }

    /// <summary>Deletes every key and gives back the tables' room (Clear alone keeps it).</summary>
    public void Flush()
    {
        _entries.Clear();
        _entries.TrimExcess();
        _volatile.Clear();
        _volatile.TrimExcess();
        DataBytes = 0;
    }

    /// <summary>The live keys (expired ones are skipped, as Redis's KEYS does).</summary>
    public IEnumerable<byte[]> Keys()
    {
        long now = Now;
        foreach (Entry entry in _entries.Values)
        {
            if (!IsExpired(entry, now))
            {
                yield return entry.Key;
            }
        }
    }

    /// <summary>
    /// One step of active expiry, as Redis's <c>activeExpireCycle</c>: draw
    /// <see cref="ActiveExpireSamples"/> random keys that have an expiry, delete the expired ones,
    /// and go on while more than 10 % of a sample was expired, until
    /// <see cref="ActiveExpireBudgetMilliseconds"/> have passed (the clock is read every few rounds).
    /// </summary>
    /// <returns>Keys deleted.</returns>
    public int ActiveExpireCycle()
    {
        long start = Now;
        long now = start;
        int deleted = 0;
        for (int round = 1; _volatile.Count > 0; round++)
        {
            int sampled = Math.Min(ActiveExpireSamples, _volatile.Count);
            int expired = 0;
            for (int i = 0; i < sampled && _volatile.Count > 0; i++)
            {
                Entry entry = _volatile[_random.Next(_volatile.Count)];
                if (IsExpired(entry, now))
                {
                    Remove(entry);
                    expired++;
                }
            }
            deleted += expired;
            if (expired * 10 <= sampled)
            {
                break; // few expired keys left: not worth more work this time
            }
            if (round % RoundsPerClockRead == 0)
            {
                now = Now;
                if (now - start >= ActiveExpireBudgetMilliseconds)
                {
                    break;
                }
            }
        }
        return deleted;
    }

    private static long EntryBytes(Entry entry) => EntryObjectBytes + ArrayBytes(entry.Key.Length) + ArrayBytes(entry.Buffer.Length);

    private static long ArrayBytes(int length) => ArrayHeaderBytes + (((long)length + 7) & ~7L);

    // Redis: a key is expired once now > its expiry time.
    private static bool IsExpired(Entry entry, long now) => entry.ExpiresAt != NoExpiry && now > entry.ExpiresAt;

    private void RemoveVolatile(Entry entry)
    {
        // Swap with the last one: O(1), and the moved entry learns its new index.
        int index = entry.VolatileIndex;
        Entry last = _volatile[^1];
        _volatile[index] = last;
        last.VolatileIndex = index;
        _volatile.RemoveAt(_volatile.Count - 1);
        entry.VolatileIndex = -1;
    }

    /// <summary>A stored key.</summary>
    public sealed class Entry(byte[] key, byte[] value)
    {
        public byte[] Key { get; } = key;

        /// <summary>The value's bytes: the start of <see cref="Buffer"/>.</summary>
        public ReadOnlySpan<byte> Value => Buffer.AsSpan(0, Length);

        public int Length { get; internal set; } = value.Length;

        /// <summary>Holds the value and, after an APPEND, room to grow (see <see cref="Append"/>).</summary>
        internal byte[] Buffer { get; set; } = value;

        /// <summary>Absolute expiry time, or <see cref="NoExpiry"/>.</summary>
        public long ExpiresAt { get; internal set; }

        internal int VolatileIndex { get; set; } = -1;
    }
}
