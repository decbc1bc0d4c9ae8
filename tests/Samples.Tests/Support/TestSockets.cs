using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ReactorNet.Samples.Tests.Support;

/// <summary>Client-side socket helpers; each call is bounded by <see cref="TestTimeouts.Network"/>.</summary>
internal static class TestSockets
{
    /// <param name="endPoint">The server.</param>
    /// <param name="receiveBufferSize">SO_RCVBUF before connecting (a small window: the kernel takes little for a client that does not read); null: the default.</param>
    public static async Task<Socket> ConnectAsync(IPEndPoint endPoint, int? receiveBufferSize = null)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (receiveBufferSize is int size)
        {
            socket.ReceiveBufferSize = size;
        }
        try
        {
            using var timeout = new CancellationTokenSource(TestTimeouts.Network);
            await socket.ConnectAsync(endPoint, timeout.Token);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public static async Task SendAsync(this Socket socket, ReadOnlyMemory<byte> data)
    {
        using var timeout = new CancellationTokenSource(TestTimeouts.Network);
        while (!data.IsEmpty)
        {
            int sent = await socket.SendAsync(data, SocketFlags.None, timeout.Token);
            data = data[sent..];
        }
    }

    public static Task SendAsync(this Socket socket, string text) => socket.SendAsync(Encoding.UTF8.GetBytes(text));

    /// <summary>Receives exactly <paramref name="count"/> bytes; fails if the connection ends first.</summary>
    public static async Task<byte[]> ReceiveExactlyAsync(this Socket socket, int count)
    {
        byte[] buffer = new byte[count];
        using var timeout = new CancellationTokenSource(TestTimeouts.Network);
        int filled = 0;
        while (filled < count)
        {
            int received = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, timeout.Token);
            if (received == 0)
            {
                throw new EndOfStreamException($"The connection ended after {filled} of {count} bytes: '{Encoding.UTF8.GetString(buffer, 0, filled)}'.");
            }
            filled += received;
        }
        return buffer;
    }

    /// <summary>Receives the UTF-8 text <paramref name="expected"/> is as long as, and returns what came.</summary>
    public static async Task<string> ReceiveTextAsync(this Socket socket, string expected) =>
        Encoding.UTF8.GetString(await socket.ReceiveExactlyAsync(Encoding.UTF8.GetByteCount(expected)));

    /// <summary>Receives until the peer closes; returns everything received.</summary>
    public static async Task<byte[]> ReceiveToEndAsync(this Socket socket)
    {
        using var timeout = new CancellationTokenSource(TestTimeouts.Network);
        using var all = new MemoryStream();
        byte[] buffer = new byte[8192];
        while (true)
        {
            int received = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            if (received == 0)
            {
                return all.ToArray();
            }
            all.Write(buffer, 0, received);
        }
    }
}
