using System.Net;
using Microsoft.Extensions.Logging;

namespace ReactorNet.Samples.Resp.Server;

/// <summary>The server's own log messages (source-generated: a disabled level costs nothing).</summary>
internal static partial class RespLog
{
    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Client {Remote} disconnected: replies the kernel had not taken passed the output limit of {Limit} bytes")]
    public static partial void OutputLimitExceeded(ILogger logger, EndPoint? remote, int limit);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Client {Remote} disconnected: unconsumed input passed the query buffer limit of {Limit} bytes")]
    public static partial void QueryBufferLimitExceeded(ILogger logger, EndPoint? remote, int limit);

    [LoggerMessage(EventId = 104, Level = LogLevel.Debug, Message = "Client {Remote} connected")]
    public static partial void Connected(ILogger logger, EndPoint? remote);

    [LoggerMessage(EventId = 105, Level = LogLevel.Debug, Message = "Client {Remote} disconnected: {Reason}")]
    public static partial void Disconnected(ILogger logger, EndPoint? remote, string reason);
}
