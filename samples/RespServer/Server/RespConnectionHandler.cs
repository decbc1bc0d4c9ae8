using Microsoft.Extensions.Logging;
using ReactorNet.Samples.Resp.Commands;
using ReactorNet.Tcp;

namespace ReactorNet.Samples.Resp.Server;

/// <summary>
/// The glue between the transport and <see cref="RespSession"/>. The transport does the rest: it
/// keeps the input a request left unfinished (<see cref="OnData"/> returns the bytes of whole
/// requests) up to the query buffer limit, the replies are written straight into
/// <see cref="TcpConnection.Output"/> and leave together when the read batch ends (one write for
/// a pipeline), and the reply limit is the transport's cap on output the kernel has not taken.
/// </summary>
public sealed class RespConnectionHandler(ServerState server, CommandTable commands, RespLimits limits, ILogger logger) : IConnectionHandler
{
    public void OnConnected(TcpConnection connection)
    {
        ClientState client = server.Connect(connection.RemoteEndPoint?.ToString() ?? "?");
        // A send of nothing is refused exactly when the connection refuses sends (past its output
        // limit, or closing) and takes nothing otherwise; IsWritable is false at the high-water
        // mark too, where a reply must go on. (No loop-wide output cap is set, which a send could hit.)
        client.RepliesRefused = () => !connection.TrySend(default);
        connection.UserState = new Connection(connection, new RespSession(server, commands, client));
        RespLog.Connected(logger, connection.RemoteEndPoint);
    }

    public int OnData(TcpConnection connection, ReadOnlySpan<byte> data)
    {
        if (connection.UserState is not Connection state || state.Closing)
        {
            return data.Length; // closing: what the client sends now is not answered
        }
        int consumed = state.Session.Process(data, connection.Output, state.Writable, out SessionOutcome outcome);
        if (outcome == SessionOutcome.Close)
        {
            // QUIT or a protocol error: the replies go out first, then the FIN.
            state.Closing = true;
            connection.Close();
            return data.Length;
        }
        return consumed;
    }

    public void OnClosed(TcpConnection connection, CloseReason reason, Exception? error)
    {
        if (connection.UserState is Connection)
        {
            connection.UserState = null;
            server.Disconnect();
        }
        switch (reason)
        {
            case CloseReason.OutputLimitExceeded:
                RespLog.OutputLimitExceeded(logger, connection.RemoteEndPoint, limits.MaxPendingReplyBytes);
                break;
            case CloseReason.InputLimitExceeded:
                RespLog.QueryBufferLimitExceeded(logger, connection.RemoteEndPoint, limits.MaxQueryBufferBytes);
                break;
        }
        RespLog.Disconnected(logger, connection.RemoteEndPoint, error is null ? reason.ToString() : $"{reason}: {error.Message}");
    }

    /// <summary>Per-connection state, in <see cref="TcpConnection.UserState"/>.</summary>
    private sealed class Connection
    {
        public Connection(TcpConnection connection, RespSession session)
        {
            Session = session;
            Writable = () => connection.IsWritable; // made once per connection: the batch path allocates nothing
        }

        public RespSession Session { get; }

        /// <summary>Whether the client still takes replies: false past the high-water mark or once the output limit refused them.</summary>
        public Func<bool> Writable { get; }

        public bool Closing { get; set; }
    }
}
