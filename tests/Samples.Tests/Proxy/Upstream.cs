using System.Net;
using System.Net.Sockets;

namespace ReactorNet.Samples.Tests.Proxy;

/// <summary>An in-process upstream server for the proxy tests: 127.0.0.1, port 0, one behaviour per connection.</summary>
internal sealed class Upstream : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _sessions = [];

    public Upstream(Func<Socket, CancellationToken, Task> serve)
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen();
        _ = AcceptLoop(serve);
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    public string Argument => $"127.0.0.1:{EndPoint.Port}";

    /// <summary>Echoes until the proxy's FIN, then sends its own FIN.</summary>
    public static async Task Echo(Socket socket, CancellationToken token)
    {
        var buffer = new byte[64 * 1024];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, token)) > 0)
        {
            await SendAll(socket, buffer.AsMemory(0, n), token);
        }
        socket.Shutdown(SocketShutdown.Send);
    }

    public static async Task SendAll(Socket socket, ReadOnlyMemory<byte> data, CancellationToken token)
    {
        while (!data.IsEmpty)
        {
            data = data[await socket.SendAsync(data, SocketFlags.None, token)..];
        }
    }

    /// <summary>Reads until the peer's FIN; returns the byte count.</summary>
    public static async Task<long> ReadToEnd(Socket socket, CancellationToken token)
    {
        var buffer = new byte[64 * 1024];
        long total = 0;
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, token)) > 0)
        {
            total += n;
        }
        return total;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
    }

    private async Task AcceptLoop(Func<Socket, CancellationToken, Task> serve)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = Task.Run(async () =>
            {
                using (socket)
                {
                    try
                    {
                        await serve(socket, _stop.Token);
                    }
                    catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
                    {
                        // The test decides what matters; a dropped session shows there.
                    }
                }
            });
        }
    }
}
