using System.Net;
using Microsoft.Extensions.Logging;

namespace ReactorNet.Hosting;

internal static partial class HostingLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "ReactorNet server {Name} listening on {EndPoint}")]
    public static partial void ServerStarted(ILogger logger, string name, EndPoint? endPoint);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "ReactorNet server {Name} failed to start")]
    public static partial void ServerFailed(ILogger logger, string name, Exception error);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "ReactorNet server {Name} stopped: {Closed} connections closed, {Aborted} aborted at the shutdown timeout")]
    public static partial void ServerStopped(ILogger logger, string name, int closed, int aborted);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "ReactorNet started {Loops} loops")]
    public static partial void LoopsStarted(ILogger logger, int loops);
}
