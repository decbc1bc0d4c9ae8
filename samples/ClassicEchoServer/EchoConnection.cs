using System.Buffers;
using System.Net.Sockets;
using ReactorNet.Samples.Common;

namespace ReactorNet.Samples.Classic;

/// <summary>The serve-one-client loop of the classic servers: blocking receive, echo, blocking send.</summary>
internal static class EchoConnection
{
    private const int ReceiveBufferSize = 16 * 1024;

    /// <summary>Echoes until the client closes its side, then answers any unfinished line.</summary>
    /// <exception cref="SocketException">The client reset the connection, or the server is stopping.</exception>
    public static void Run(Socket client, EchoProtocol protocol)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ReceiveBufferSize);
        // Replies of one read are gathered and sent with one call: line mode produces a greeting
        // and a line per reply, and sending them one by one would cost a syscall (and a packet) each.
        var replies = new ArrayBufferWriter<byte>(ReceiveBufferSize);
        using EchoSession session = protocol.CreateSession();
        try
        {
            while (true)
            {
                int received = client.Receive(buffer);
                if (received == 0)
                {
                    session.Complete(replies);
                    SendAll(client, replies.WrittenSpan);
                    return;
                }
                session.OnReceived(buffer.AsSpan(0, received), replies);
                SendAll(client, replies.WrittenSpan);
                replies.ResetWrittenCount();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Send may take fewer bytes than offered (a signal, a full buffer on a socket with a send
    /// timeout); the textbook ignores its return value and silently drops the rest.
    /// </summary>
    private static void SendAll(Socket client, ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            int sent = client.Send(data);
            data = data[sent..];
        }
    }
}
