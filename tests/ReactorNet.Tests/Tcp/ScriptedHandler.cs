using ReactorNet.Tcp;

namespace ReactorNet.Tests.Tcp;

internal delegate void DataCallback(TcpConnection connection, ReadOnlySpan<byte> data);

/// <summary>A handler for one server-side connection whose behaviour the test supplies; records what happened.</summary>
internal sealed class ScriptedHandler : IConnectionHandler
{
    private long _received;

    public Action<TcpConnection>? Connected { get; init; }

    public DataCallback? Data { get; init; }

    public Action<TcpConnection>? PeerClosed { get; init; }

    public Action<TcpConnection, bool>? WritabilityChanged { get; init; }

    public TaskCompletionSource<TcpConnection> ConnectedTask { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource<CloseReason> ClosedTask { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource PeerClosedTask { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource WritableAgain { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource NotWritable { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Everything OnData saw, in order (loop thread writes, read it after the close).</summary>
    public MemoryStream ReceivedData { get; } = new();

    public bool KeepData { get; init; }

    public long Received => Interlocked.Read(ref _received);

    public int OnDataCalls { get; private set; }

    public void OnConnected(TcpConnection connection)
    {
        Connected?.Invoke(connection);
        ConnectedTask.TrySetResult(connection);
    }

    public int OnData(TcpConnection connection, ReadOnlySpan<byte> data)
    {
        OnDataCalls++;
        Interlocked.Add(ref _received, data.Length);
        if (KeepData)
        {
            ReceivedData.Write(data);
        }
        Data?.Invoke(connection, data);
        return data.Length;
    }

    public void OnInputShutdown(TcpConnection connection)
    {
        PeerClosedTask.TrySetResult();
        if (PeerClosed is null)
        {
            connection.Close();
        }
        else
        {
            PeerClosed(connection);
        }
    }

    public void OnWritabilityChanged(TcpConnection connection, bool writable)
    {
        (writable ? WritableAgain : NotWritable).TrySetResult();
        WritabilityChanged?.Invoke(connection, writable);
    }

    public void OnClosed(TcpConnection connection, CloseReason reason, Exception? error) => ClosedTask.TrySetResult(reason);
}
