using Microsoft.Extensions.Logging;
using ReactorNet.Tcp;

namespace ReactorNet.Samples.HostedEcho;

/// <summary>
/// Byte-for-byte echo (RFC 862). Registered as a singleton, so the container builds it once (with
/// its logger) and it serves every connection: it keeps no per-connection state.
/// </summary>
public sealed partial class EchoHandler(ILogger<EchoHandler> logger) : IConnectionHandler
{
    public void OnConnected(TcpConnection connection) => Connected(logger, connection.RemoteEndPoint);

    // The span is the loop's read buffer: Send copies what the socket does not take at once.
    public int OnData(TcpConnection connection, ReadOnlySpan<byte> data)
    {
        connection.TrySend(data);
        return data.Length;
    }

    public void OnClosed(TcpConnection connection, CloseReason reason, Exception? error) => Closed(logger, connection.RemoteEndPoint, reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Remote} connected")]
    private static partial void Connected(ILogger logger, System.Net.EndPoint? remote);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Remote} closed: {Reason}")]
    private static partial void Closed(ILogger logger, System.Net.EndPoint? remote, CloseReason reason);
}
