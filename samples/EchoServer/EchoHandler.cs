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
/// <para>Textbook mistakes this avoids: replies go through the connection's output, which queues
/// what the socket does not take (no lost output, EPOLLOUT armed only while needed); the data span
/// is the loop's read buffer and is used before the callback returns; nothing touches a connection
/// after <see cref="OnClosed"/>.</para>
/// <para>Line mode amplifies: with a 1000-byte greeting, one 64 KiB read of empty lines asks for
/// 64 MB of replies. So replies are written straight into <see cref="TcpConnection.Output"/> line
/// by line, and once the connection stops being writable (its pending output crossed the
/// high-water mark) the rest of the read is left unconsumed: the transport keeps it, stops reading,
/// and presents it again when the output has drained. Memory per connection stays bounded by the
/// water marks, whatever the input.</para>
/// </remarks>
public sealed class EchoHandler(EchoProtocol protocol, ILogger logger) : IConnectionHandler
{
    public void OnConnected(TcpConnection connection)
    {
        if (protocol.IsLineMode)
        {
            connection.UserState = protocol.CreateSession();
        }
        if (logger.IsEnabled(LogLevel.Debug))
        {
            SampleLog.Connected(logger, connection.RemoteEndPoint); // built on demand: 72 bytes a connection otherwise
        }
    }

    public int OnData(TcpConnection connection, ReadOnlySpan<byte> data)
    {
        if (connection.UserState is not EchoSession session)
        {
            connection.TrySend(data); // RFC 862: every byte back, as it came
            return data.Length;
        }
        int consumed = 0;
        while (consumed < data.Length && connection.IsWritable)
        {
            ReadOnlySpan<byte> rest = data[consumed..];
            int newline = rest.IndexOf((byte)'\n');
            int take = newline < 0 ? rest.Length : newline + 1;
            session.OnReceived(rest[..take], connection.Output);
            consumed += take;
        }
        return consumed;
    }

    /// <summary>The client finished sending: answer an unfinished last line, then close gracefully.</summary>
    /// <remarks>
    /// Input left unconsumed means reading is paused at the high-water mark, and a paused
    /// connection does not read the FIN: this runs only once every line before it was answered.
    /// </remarks>
    public void OnInputShutdown(TcpConnection connection)
    {
        (connection.UserState as EchoSession)?.Complete(connection.Output);
        connection.Close();
    }

    public void OnClosed(TcpConnection connection, CloseReason reason, Exception? error)
    {
        (connection.UserState as EchoSession)?.Dispose();
        connection.UserState = null;
        if (!logger.IsEnabled(LogLevel.Debug))
        {
            // The lines below are Debug: without this, each close built the error's text and the
            // peer's endpoint for nothing (300 bytes a connection when 10,000 clients reset at once).
            return;
        }
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
