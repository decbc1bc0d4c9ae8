using System.Buffers;
using Microsoft.Extensions.Logging;
using ReactorNet.Samples.Common;
using ReactorNet.Tcp;

namespace ReactorNet.Samples.Echo;

/// <summary>
/// The echo protocol on the reactor. One instance serves every connection (it keeps no
/// per-connection state itself): plain echo needs none, and line mode keeps its
/// <see cref="EchoSession"/> in <see cref="TcpConnection.UserState"/>.
/// </summary>
/// <remarks>
/// Textbook mistakes this avoids: replies go through <see cref="TcpConnection.Send"/>, which
/// queues what the socket does not take (no lost output, EPOLLOUT armed only while needed); the
/// data span is the loop's read buffer and is used before the callback returns; nothing touches
/// a connection after <see cref="OnClosed"/>.
/// </remarks>
public sealed class EchoHandler(EchoProtocol protocol, ILogger logger) : IConnectionHandler
{
    /// <summary>One reply buffer per loop thread: a line-mode reply is gathered, then sent with one call.</summary>
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_reply;

    public void OnConnected(TcpConnection connection)
    {
        if (protocol.IsLineMode)
        {
            connection.UserState = protocol.CreateSession();
        }
        SampleLog.Connected(logger, connection.RemoteEndPoint);
    }

    public void OnData(TcpConnection connection, ReadOnlySpan<byte> data)
    {
        if (connection.UserState is not EchoSession session)
        {
            connection.Send(data); // RFC 862: every byte back, as it came
            return;
        }
        ArrayBufferWriter<byte> reply = t_reply ??= new ArrayBufferWriter<byte>(4096);
        reply.ResetWrittenCount();
        session.OnReceived(data, reply);
        if (reply.WrittenCount > 0)
        {
            connection.Send(reply.WrittenSpan);
        }
    }

    public void OnPeerClosed(TcpConnection connection)
    {
        // The client finished sending: answer an unfinished last line, then close gracefully.
        if (connection.UserState is EchoSession session)
        {
            session.Complete(bytes => connection.Send(bytes));
        }
        connection.Close();
    }

    public void OnClosed(TcpConnection connection, CloseReason reason, Exception? error)
    {
        (connection.UserState as EchoSession)?.Dispose();
        connection.UserState = null;
        if (reason is CloseReason.Graceful)
        {
            SampleLog.Disconnected(logger, connection.RemoteEndPoint);
        }
        else
        {
            SampleLog.ConnectionLost(logger, connection.RemoteEndPoint, error is null ? reason.ToString() : $"{reason}: {error.Message}");
        }
    }
}
