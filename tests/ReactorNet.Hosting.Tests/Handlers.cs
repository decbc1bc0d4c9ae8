using System.Collections.Concurrent;
using ReactorNet.Tcp;

namespace ReactorNet.Hosting.Tests;

/// <summary>A service the handlers depend on: proves they were built by the container, and reports their callbacks.</summary>
internal sealed class ConnectionJournal
{
    private readonly TaskCompletionSource<TcpConnection> _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<CloseReason> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ConcurrentQueue<EchoHandler> Handlers { get; } = new();

    public Task<TcpConnection> FirstConnected => _connected.Task;

    public Task<CloseReason> FirstClosed => _closed.Task;

    public void Connected(TcpConnection connection) => _connected.TrySetResult(connection);

    public void Closed(CloseReason reason) => _closed.TrySetResult(reason);
}

/// <summary>Echoes every byte; made by the container per connection (not registered itself).</summary>
internal sealed class EchoHandler : IConnectionHandler
{
    private readonly ConnectionJournal _journal;

    public EchoHandler(ConnectionJournal journal)
    {
        _journal = journal;
        journal.Handlers.Enqueue(this);
    }

    public void OnConnected(TcpConnection connection) => _journal.Connected(connection);

    public int OnData(TcpConnection connection, ReadOnlySpan<byte> data)
    {
        connection.TrySend(data);
        return data.Length;
    }

    public void OnClosed(TcpConnection connection, CloseReason reason, Exception? error) => _journal.Closed(reason);
}
