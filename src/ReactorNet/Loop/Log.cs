using Microsoft.Extensions.Logging;

namespace ReactorNet;

/// <summary>The library's log messages, source-generated: no formatting cost when the level is off.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Event handler for fd {Fd} threw; its registration was removed and the loop goes on")]
    public static partial void HandlerFailed(ILogger logger, int fd, Exception exception);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "A posted callback or timer threw; the loop goes on")]
    public static partial void CallbackFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "A callback of {Handler} has held loop {Loop} for {Milliseconds} ms (stall threshold {ThresholdMs} ms); nothing else on this loop runs meanwhile")]
    public static partial void LoopStalled(ILogger logger, string handler, string loop, long milliseconds, long thresholdMs);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Stall detection is off for loop {Loop}: the watchdog's thread could not start")]
    public static partial void StallDetectionOff(ILogger logger, string loop);
}
