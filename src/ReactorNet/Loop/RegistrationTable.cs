using System.Runtime.CompilerServices;

namespace ReactorNet;

/// <summary>
/// The reactor's registrations, indexed by token. A token is (generation &lt;&lt; 32 | slot). A slot
/// is reused after removal, but its generation moves on, so an event that was already in an
/// <c>epoll_wait</c> batch for the old owner no longer matches and is dropped instead of being
/// delivered to whoever holds the slot (or the fd number) now. Loop thread only.
/// </summary>
internal sealed class RegistrationTable
{
    internal struct Slot
    {
        public IEventHandler? Handler;
        public int Fd;
        public uint Generation;
        public bool OwnsFd;
        public int NextFree;
    }

    private Slot[] _slots = new Slot[64];
    private int _used;
    private int _freeHead = -1;
    private int[] _slotByFd = CreateFdIndex(256);

    public int Count { get; private set; }

    public ulong Add(int fd, IEventHandler handler, bool ownsFd)
    {
        int index;
        if (_freeHead >= 0)
        {
            index = _freeHead;
            _freeHead = _slots[index].NextFree;
        }
        else
        {
            if (_used == _slots.Length)
            {
                Array.Resize(ref _slots, _slots.Length * 2);
            }
            index = _used++;
            _slots[index].Generation = 1;
        }
        ref Slot slot = ref _slots[index];
        slot.Handler = handler;
        slot.Fd = fd;
        slot.OwnsFd = ownsFd;
        Count++;
        return ((ulong)slot.Generation << 32) | (uint)index;
    }

    /// <summary>The live slot for <paramref name="token"/>, or a null reference when the token is stale.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref Slot Find(ulong token)
    {
        uint index = (uint)token;
        if (index < (uint)_used)
        {
            ref Slot slot = ref _slots[index];
            if (slot.Generation == (uint)(token >> 32) && slot.Handler is not null)
            {
                return ref slot;
            }
        }
        return ref Unsafe.NullRef<Slot>();
    }

    /// <summary>
    /// Records that the registration <paramref name="token"/> holds its descriptor number. A live
    /// registration that held the same number before has lost its descriptor (the kernel only hands
    /// out a number that is free): it is detached from the number, so that removing it later neither
    /// deletes the new owner's epoll entry nor closes the new owner's descriptor.
    /// </summary>
    public void ClaimDescriptor(ulong token)
    {
        int index = (int)(uint)token;
        int fd = _slots[index].Fd;
        if (fd >= _slotByFd.Length)
        {
            int length = Math.Max(_slotByFd.Length * 2, fd + 1);
            int old = _slotByFd.Length;
            Array.Resize(ref _slotByFd, length);
            _slotByFd.AsSpan(old).Fill(-1);
        }
        int previous = _slotByFd[fd];
        if (previous >= 0 && previous != index && _slots[previous].Handler is not null && _slots[previous].Fd == fd)
        {
            _slots[previous].Fd = -1;
            _slots[previous].OwnsFd = false;
        }
        _slotByFd[fd] = index;
    }

    public void Remove(ulong token)
    {
        int index = (int)(uint)token;
        ref Slot slot = ref _slots[index];
        if (slot.Fd >= 0 && slot.Fd < _slotByFd.Length && _slotByFd[slot.Fd] == index)
        {
            _slotByFd[slot.Fd] = -1;
        }
        slot.Handler = null;
        slot.Fd = -1;
        // Skip generation 0 on wrap-around so that token 0 never names a live registration.
        slot.Generation = slot.Generation == uint.MaxValue ? 1 : slot.Generation + 1;
        slot.NextFree = _freeHead;
        _freeHead = index;
        Count--;
    }

    private static int[] CreateFdIndex(int length)
    {
        var index = new int[length];
        index.AsSpan().Fill(-1);
        return index;
    }

    /// <summary>The tokens of the live registrations, copied: the caller may remove registrations while it walks them.</summary>
    public List<ulong> LiveTokens()
    {
        var tokens = new List<ulong>(Count);
        for (int i = 0; i < _used; i++)
        {
            if (_slots[i].Handler is not null)
            {
                tokens.Add(((ulong)_slots[i].Generation << 32) | (uint)i);
            }
        }
        return tokens;
    }

    /// <summary>Every descriptor a live registration owns (for disposal).</summary>
    public IEnumerable<int> OwnedDescriptors()
    {
        for (int i = 0; i < _used; i++)
        {
            if (_slots[i].Handler is not null && _slots[i].OwnsFd)
            {
                yield return _slots[i].Fd;
            }
        }
    }
}
