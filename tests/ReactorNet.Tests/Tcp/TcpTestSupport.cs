using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using ReactorNet.Tcp;
using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Tcp;

/// <summary>Echoes every byte back (RFC 862); records how each connection closed.</summary>
internal sealed class EchoHandler : IConnectionHandler
{
    public ConcurrentQueue<(long Id, CloseReason Reason, Exception? Error)> Closed { get; } = new();

    public event Action<TcpConnection, CloseReason>? ClosedEvent;

    public int OnData(TcpConnection connection, ReadOnlySpan<byte> data)
    {
        connection.TrySend(data);
        return data.Length;
    }

    public void OnClosed(TcpConnection connection, CloseReason reason, Exception? error)
    {
        Closed.Enqueue((connection.Id, reason, error));
        ClosedEvent?.Invoke(connection, reason);
    }

    /// <summary>Completes when <paramref name="count"/> connections have closed.</summary>
    public Task WhenClosed(int count)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ClosedEvent += (_, _) =>
        {
            if (Closed.Count >= count)
            {
                tcs.TrySetResult();
            }
        };
        if (Closed.Count >= count)
        {
            tcs.TrySetResult();
        }
        return tcs.Task;
    }
}

/// <summary>A reactor on its own thread with an echo server on 127.0.0.1, port 0.</summary>
internal sealed class EchoServerHarness : IDisposable
{
    public EchoServerHarness(TcpServerOptions? options = null, EndPoint? endPoint = null, ReactorOptions? reactorOptions = null)
    {
        Loop = new LoopHarness(reactorOptions);
        Server = new TcpServer(Loop.Reactor, endPoint ?? new IPEndPoint(IPAddress.Loopback, 0), () => Handler, options);
    }

    public LoopHarness Loop { get; }

    public TcpServer Server { get; }

    public EchoHandler Handler { get; } = new();

    public IPEndPoint EndPoint => (IPEndPoint)Server.LocalEndPoint;

    public async Task<Socket> ConnectClientAsync()
    {
        var socket = new Socket(Server.LocalEndPoint.AddressFamily, SocketType.Stream, Server.LocalEndPoint is UnixDomainSocketEndPoint ? ProtocolType.Unspecified : ProtocolType.Tcp);
        await socket.ConnectAsync(Server.LocalEndPoint).WaitAsync(LoopHarness.Timeout);
        return socket;
    }

    public void Dispose()
    {
        Server.Dispose();
        Loop.Dispose();
    }
}

internal static class SocketTestExtensions
{
    /// <summary>Reads exactly <paramref name="count"/> bytes (or until end of stream); returns them.</summary>
    public static async Task<byte[]> ReceiveExactlyAsync(this Socket socket, int count)
    {
        var buffer = new byte[count];
        int got = 0;
        while (got < count)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(got), SocketFlags.None).AsTask().WaitAsync(LoopHarness.Timeout);
            if (n == 0)
            {
                return buffer[..got];
            }
            got += n;
        }
        return buffer;
    }

    /// <summary>Reads until the peer closes; returns everything.</summary>
    public static async Task<byte[]> ReceiveToEndAsync(this Socket socket)
    {
        using var all = new MemoryStream();
        var buffer = new byte[64 * 1024];
        while (true)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).AsTask().WaitAsync(LoopHarness.Timeout);
            if (n == 0)
            {
                return all.ToArray();
            }
            all.Write(buffer, 0, n);
        }
    }
}
