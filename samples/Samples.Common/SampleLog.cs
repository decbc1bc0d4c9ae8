using System.Net;
using Microsoft.Extensions.Logging;

namespace ReactorNet.Samples.Common;

/// <summary>
/// The log messages every echo server writes, source-generated so a disabled level costs nothing.
/// Per-connection lines are at Debug: any peer can produce them by the thousand (connect and RST
/// storms), and at Information they would drown the log or, with a slow consumer, be dropped.
/// </summary>
public static partial class SampleLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "{Server} listening on {EndPoint}")]
    public static partial void Listening(ILogger logger, string server, EndPoint endPoint);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Client {Remote} connected")]
    public static partial void Connected(ILogger logger, EndPoint? remote);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Client {Remote} disconnected")]
    public static partial void Disconnected(ILogger logger, EndPoint? remote);

    /// <summary>A reset or another socket error ended one connection; the server goes on.</summary>
    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "Client {Remote} disconnected: {Reason}")]
    public static partial void ConnectionLost(ILogger logger, EndPoint? remote, string reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Accepting a connection failed: {Reason}")]
    public static partial void AcceptFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "{Signal} received: shutting down")]
    public static partial void ShuttingDown(ILogger logger, string signal);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "Shutdown complete")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(EventId = 8, Level = LogLevel.Error, Message = "Connection from {Remote} failed unexpectedly")]
    public static partial void ConnectionFailed(ILogger logger, EndPoint? remote, Exception exception);

    /// <summary>A graceful shutdown waits for clients to close their side: say so, or it looks like a hang.</summary>
    [LoggerMessage(EventId = 9, Level = LogLevel.Information, Message = "Waiting up to {Seconds} s for {Clients} client(s) to close; press Ctrl+C again to stop at once")]
    public static partial void WaitingForClients(ILogger logger, double seconds, int clients);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Second shutdown request: closing the remaining connections at once")]
    public static partial void StoppingNow(ILogger logger);
}
