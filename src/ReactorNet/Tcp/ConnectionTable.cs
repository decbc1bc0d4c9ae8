namespace ReactorNet.Tcp;

/// <summary>Which of a connection's index fields a <see cref="ConnectionTable{TSlot}"/> keeps its position in.</summary>
internal interface IConnectionSlot
{
    /// <summary>The connection's field holding its index in the table; -1 while not in it.</summary>
    static abstract ref int Of(TcpConnection connection);
}

/// <summary>
/// A set of connections kept as an array: a connection is added at the end and removed by moving
/// the last one into its place; each connection holds its own index, so both are O(1). Per
/// connection that is one array slot (8 bytes, twice that counting the copies left by growth)
/// where a <see cref="HashSet{T}"/> costs an entry and a bucket (20 bytes, with its growth about 40):
/// at 10,000 connections the heap is most of a server's memory (issue #10). Loop thread only.
/// </summary>
/// <typeparam name="TSlot">The index field (a struct, so the JIT compiles each table for its field).</typeparam>
internal sealed class ConnectionTable<TSlot>
    where TSlot : struct, IConnectionSlot
{
    private TcpConnection?[] _items = new TcpConnection?[16];

    /// <summary>Connections in the table.</summary>
    public int Count { get; private set; }

    /// <summary>The connection at <paramref name="index"/> (below <see cref="Count"/>).</summary>
    public TcpConnection this[int index] => _items[index]!;

    /// <summary>Adds a connection that is not in the table.</summary>
    public void Add(TcpConnection connection)
    {
        if (Count == _items.Length)
        {
            Array.Resize(ref _items, Count * 2);
        }
        TSlot.Of(connection) = Count;
        _items[Count++] = connection;
    }

    /// <summary>Removes a connection (none if it is not in the table); the last one takes its place.</summary>
    public void Remove(TcpConnection connection)
    {
        ref int slot = ref TSlot.Of(connection);
        int index = slot;
        if (index < 0)
        {
            return;
        }
        slot = -1;
        TcpConnection last = _items[--Count]!;
        if (last != connection)
        {
            _items[index] = last;
            TSlot.Of(last) = index;
        }
        _items[Count] = null;
        if (Count < _items.Length / 4 && _items.Length > 64)
        {
            Array.Resize(ref _items, _items.Length / 2); // a burst's table goes back once it is over
        }
    }

    /// <summary>A copy of the connections, for a walk that closes them (which changes the table).</summary>
    public TcpConnection[] ToArray() => _items.AsSpan(0, Count).ToArray()!;
}
