using System.Net;
using Microsoft.Extensions.Logging;

namespace ReactorNet.Samples.Http.Transport;

/// <summary>The HTTP server's log messages (source-generated: a disabled level costs nothing).</summary>
internal static partial class HttpLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Debug, Message = "Client {Remote}: answered {Status} and closing: {Detail}")]
    public static partial void RequestRejected(ILogger logger, EndPoint? remote, int status, string? detail);

    [LoggerMessage(EventId = 101, Level = LogLevel.Debug, Message = "Client {Remote}: closing: {Detail}")]
    public static partial void Closing(ILogger logger, EndPoint? remote, string? detail);
}
