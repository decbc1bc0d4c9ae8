using Microsoft.Extensions.Logging;
using ReactorNet.Samples.Common;
using ReactorNet.Tcp;

namespace ReactorNet.Samples.Echo;

/// <summary>
/// The echo protocol on the reactor. One instance serves every connection (it keeps no
/// per-connection state itself): plain echo needs none, and line mode keeps its
/// <see cref="LineState"/> in <see cref="TcpConnection.UserState"/>.
/// </summary>
/// <remarks>
/// <para>Textbook mistakes this avoids: replies go through <see cref="TcpConnection.TrySend(ReadOnlySpan{byte})"/>, which
/// queues what the socket does not take (no lost output, EPOLLOUT armed only while needed); the
/// data span is the loop's read buffer and is used before the callback returns; nothing touches
/// a connection after <see cref="OnClosed"/>.</para>
/// <para>Line mode amplifies: with a 1000-byte greeting, one 64 KiB read of empty lines asks for
/// 64 MB of replies. So replies are gathered in a fixed 16 KiB buffer per loop and sent chunk by
/// chunk, and once the connection stops being writable (its pending output crossed the high-water
/// mark) the rest of the read is kept (at most one read) and reading pauses until the output
/// drains. Memory per connection stays bounded by the water marks, whatever the input.</para>
/// </remarks>
public sealed class EchoHandler(EchoProtocol protocol, ILogger logger) : IConnectionHandler
{
    /// <summary>Replies are sent in chunks of at most this size.</summary>
    private const int ReplyChunk = 16 * 1024;

    /// <summary>One reply buffer per loop thread; it never grows.</summary>
    [ThreadStatic]
    private static byte[]? t_reply;

    public void OnConnected(TcpConnection connection)
    {
        if (protocol.IsLineMode)
        {
            connection.UserState = new LineState(protocol.CreateSession());
        }
        SampleLog.Connected(logger, connection.RemoteEndPoint);
    }

    public int OnData(TcpConnection connection, ReadOnlySpan<byte> data)
    {
        if (connection.UserState is not LineState line)
        {
            connection.TrySend(data); // RFC 862: every byte back, as it came
            return data.Length;
        }
        if (line.HasBacklog)
        {
            line.Keep(data); // only a hang-up reads past our pause: keep the order
            return data.Length;
        }
        Answer(connection, line, data, fromBacklog: false);
        return data.Length;
    }

    public void OnWritabilityChanged(TcpConnection connection, bool writable)
    {
        if (writable && connection.UserState is LineState { HasBacklog: true } line)
        {
            Answer(connection, line, line.Backlog, fromBacklog: true);
        }
    }

    public void OnInputShutdown(TcpConnection connection)
    {
        if (connection.UserState is LineState { HasBacklog: true } line)
        {
            line.PeerFinished = true; // answered once the backlog is
            return;
        }
        Finish(connection);
    }

    public void OnClosed(TcpConnection connection, CloseReason reason, Exception? error)
    {
        (connection.UserState as LineState)?.Dispose();
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

    /// <summary>Answers <paramref name="data"/> line by line while the connection is writable; keeps the rest.</summary>
    private static void Answer(TcpConnection connection, LineState line, ReadOnlySpan<byte> data, bool fromBacklog)
    {
        var sink = new ChunkedReplySink(connection, t_reply ??= new byte[ReplyChunk]);
        while (!data.IsEmpty && !connection.IsClosed)
        {
            if (!connection.IsWritable)
            {
                sink.Flush();
                if (fromBacklog)
                {
                    line.Consumed(line.Backlog.Length - data.Length);
                }
                else
                {
                    line.Keep(data);
                }
                connection.PauseReading();
                return;
            }
            int newline = data.IndexOf((byte)'\n');
            int take = newline < 0 ? data.Length : newline + 1;
            line.Session.OnReceived(data[..take], ref sink);
            data = data[take..];
        }
        sink.Flush();
        if (fromBacklog && !connection.IsClosed)
        {
            line.ClearBacklog();
            connection.ResumeReading();
            if (line.PeerFinished)
            {
                Finish(connection);
            }
        }
    }

    /// <summary>The client finished sending: answer an unfinished last line, then close gracefully.</summary>
    private static void Finish(TcpConnection connection)
    {
        if (connection.UserState is LineState line)
        {
            line.Session.Complete(bytes => connection.TrySend(bytes));
        }
        connection.Close();
    }

    /// <summary>Gathers replies in a fixed buffer and sends it whenever it fills.</summary>
    private ref struct ChunkedReplySink(TcpConnection connection, byte[] buffer) : IReplySink
    {
        private int _count;

        public void Write(ReadOnlySpan<byte> bytes)
        {
            if (bytes.Length > buffer.Length - _count)
            {
                Flush();
                if (bytes.Length >= buffer.Length)
                {
                    connection.TrySend(bytes);
                    return;
                }
            }
            bytes.CopyTo(buffer.AsSpan(_count));
            _count += bytes.Length;
        }

        public void Flush()
        {
            if (_count > 0)
            {
                connection.TrySend(buffer.AsSpan(0, _count));
                _count = 0;
            }
        }
    }
}
