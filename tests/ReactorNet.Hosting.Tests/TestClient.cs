using System.Net;
using System.Net.Sockets;

namespace ReactorNet.Hosting.Tests;

/// <summary>Blocking-free client helpers; every call is bounded by <see cref="TestHost.Timeout"/>.</summary>
internal static class TestClient
{
    public static async Task<Socket> ConnectAsync(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(TestHost.Timeout);
        await socket.ConnectAsync(endPoint, timeout.Token);
        return socket;
    }

    public static async Task<byte[]> RoundTripAsync(this Socket socket, byte[] message)
    {
        using var timeout = new CancellationTokenSource(TestHost.Timeout);
        await socket.SendAsync(message, SocketFlags.None, timeout.Token);
        byte[] reply = new byte[message.Length];
        int filled = 0;
        while (filled < reply.Length)
        {
            int received = await socket.ReceiveAsync(reply.AsMemory(filled), SocketFlags.None, timeout.Token);
            if (received == 0)
            {
                throw new EndOfStreamException($"The server closed after {filled} of {reply.Length} bytes.");
            }
            filled += received;
        }
        return reply;
    }

    /// <summary>Reads until the server ends the stream (FIN: 0 bytes; RST: an error) and says which.</summary>
    public static async Task<string> ReadUntilEndAsync(this Socket socket)
    {
        using var timeout = new CancellationTokenSource(TestHost.Timeout);
        byte[] buffer = new byte[1024];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) > 0)
            {
            }
            return "FIN";
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            return "RST";
        }
    }
}
