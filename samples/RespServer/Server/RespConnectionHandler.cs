using Microsoft.Extensions.Logging;
using ReactorNet.Samples.Common;
using ReactorNet.Samples.Resp.Commands;
using ReactorNet.Tcp;

namespace ReactorNet.Samples.Resp.Server;

/// <summary>
/// The glue between the transport and <see cref="RespSession"/> — the one file to change when the
/// transport learns to keep unconsumed input and to batch output itself. Until then it keeps each
/// connection's unconsumed input (pooled, bounded, returned when empty) and sends all replies of
/// one <see cref="OnData"/> with one <see cref="TcpConnection.TrySend(ReadOnlySpan{byte})"/>.
/// </summary>
public sealed class RespConnectionHandler(ServerState server, CommandTable commands, RespLimits limits, ILogger logger) : IConnectionHandler
{
    /// <summary>One reply buffer per loop thread: a batch's replies are gathered, sent, and the buffer reused.</summary>
    [ThreadStatic]
    private static BatchBuffer? t_replies;

    public void OnConnected(TcpConnection connection)
    {
        ClientState client = server.Connect(connection.RemoteEndPoint?.ToString() ?? "?");
        connection.UserState = new Connection(new RespSession(server, commands, client));
        RespLog.Connected(logger, connection.RemoteEndPoint);
    }

    public int OnData(TcpConnection connection, ReadOnlySpan<byte> data)
    {
        if (connection.UserState is not Connection state || state.Closing)
        {
            return data.Length; // closing: what the client sends now is not answered
        }
        BatchBuffer replies = t_replies ??= new BatchBuffer(retainedSize: 1024 * 1024);
        try
        {
            long replyLimit = (long)limits.MaxPendingReplyBytes - connection.PendingOutputBytes;
            SessionOutcome outcome;
            bool inputOverLimit = false;
            if (state.Input.IsEmpty)
            {
                // The usual case: parse straight from the read buffer; copy only an unfinished tail.
                int consumed = state.Session.Process(data, replies, replyLimit, out outcome);
                if (outcome == SessionOutcome.Continue && consumed < data.Length)
                {
                    inputOverLimit = !state.Input.TryAppend(data[consumed..], limits.MaxQueryBufferBytes);
                }
            }
            else if (!state.Input.TryAppend(data, limits.MaxQueryBufferBytes))
            {
                outcome = SessionOutcome.Continue;
                inputOverLimit = true;
            }
            else
            {
                int consumed = state.Session.Process(state.Input.Span, replies, replyLimit, out outcome);
                state.Input.Consume(consumed);
            }

            if (outcome == SessionOutcome.ReplyLimitExceeded)
            {
                RespLog.OutputLimitExceeded(logger, connection.RemoteEndPoint, limits.MaxPendingReplyBytes, connection.PendingOutputBytes + (long)replies.WrittenCount);
                Disconnect(connection, state, abort: true);
                return data.Length;
            }
            if (replies.WrittenCount > 0 && !connection.TrySend(replies.WrittenSpan))
            {
                if (!connection.IsClosed)
                {
                    RespLog.OutputLimitExceeded(logger, connection.RemoteEndPoint, limits.MaxPendingReplyBytes, connection.PendingOutputBytes + (long)replies.WrittenCount);
                    Disconnect(connection, state, abort: true);
                }
                return data.Length;
            }
            if (inputOverLimit)
            {
                RespLog.QueryBufferLimitExceeded(logger, connection.RemoteEndPoint, limits.MaxQueryBufferBytes);
                Disconnect(connection, state, abort: true);
            }
            else if (outcome == SessionOutcome.Close)
            {
                Disconnect(connection, state, abort: false); // QUIT or a protocol error: the reply goes out first
            }
        }
        finally
        {
            replies.Clear();
        }
        return data.Length;
    }

    public void OnClosed(TcpConnection connection, CloseReason reason, Exception? error)
    {
        if (connection.UserState is Connection state)
        {
            state.Input.Release();
            connection.UserState = null;
            server.Disconnect();
        }
        RespLog.Disconnected(logger, connection.RemoteEndPoint, error is null ? reason.ToString() : $"{reason}: {error.Message}");
    }

    private static void Disconnect(TcpConnection connection, Connection state, bool abort)
    {
        state.Closing = true;
        state.Input.Release();
        if (abort)
        {
            connection.Abort();
        }
        else
        {
            connection.Close();
        }
    }

    /// <summary>Per-connection state, in <see cref="TcpConnection.UserState"/>.</summary>
    private sealed class Connection(RespSession session)
    {
        public RespSession Session { get; } = session;

        public InputBuffer Input { get; } = new();

        public bool Closing { get; set; }
    }
}
