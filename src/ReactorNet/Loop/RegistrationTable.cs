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

    public void Remove(ulong token)
    {
        int index = (int)(uint)token;
        ref Slot slot = ref _slots[index];
        slot.Handler = null;
        slot.Fd = -1;
        // Skip generation 0 on wrap-around so that token 0 never names a live registration.
        slot.Generation = slot.Generation == uint.MaxValue ? 1 : slot.Generation + 1;
        slot.NextFree = _freeHead;
        _freeHead = index;
        Count--;
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
