using System.Net;
using Microsoft.Extensions.Logging;
using ReactorNet.Tcp;

namespace ReactorNet;

/// <summary>
/// Transport log messages: per-connection events at Debug, trouble at Warning and above. Warnings a
/// peer can trigger at will are rate-limited (<see cref="LogThrottle"/>): logging must never slow a loop down.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Debug, Message = "Connection {Id} opened from {Remote}")]
    public static partial void ConnectionOpened(ILogger logger, long id, EndPoint? remote);

    [LoggerMessage(EventId = 101, Level = LogLevel.Debug, Message = "Connection {Id} closed: {Reason}")]
    public static partial void ConnectionClosed(ILogger logger, long id, CloseReason reason, Exception? exception);

    [LoggerMessage(EventId = 102, Level = LogLevel.Debug, Message = "Connection {Id}: peer sent FIN (half-close)")]
    public static partial void PeerFinished(ILogger logger, long id);

    [LoggerMessage(EventId = 103, Level = LogLevel.Error, Message = "Connection {Id}: handler threw; the connection is aborted")]
    public static partial void HandlerFaulted(ILogger logger, long id, Exception exception);

    [LoggerMessage(EventId = 114, Level = LogLevel.Error, Message = "Connection {Id}: the transport failed while handling an event; the connection is reset")]
    public static partial void TransportFaulted(ILogger logger, long id, Exception exception);

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "Connection {Id}: a send would bring pending output to {Pending} bytes, over the limit of {Limit}; closing ({Suppressed} similar messages suppressed)")]
    private static partial void OutputLimitExceeded(ILogger logger, long id, long pending, int limit, int suppressed);

    /// <summary>
    /// Rate-limited through the loop's <paramref name="throttle"/>: every peer that stops reading can
    /// trigger it. Per loop, not per process, so one reactor's peers never silence another's warning.
    /// </summary>
    public static void OutputLimitExceeded(ILogger logger, long id, long pending, int limit, LogThrottle throttle)
    {
        if (logger.IsEnabled(LogLevel.Warning) && throttle.TryEnter(out int suppressed))
        {
            OutputLimitExceeded(logger, id, pending, limit, suppressed);
        }
    }

    [LoggerMessage(EventId = 107, Level = LogLevel.Warning, Message = "Connection {Id}: {Buffered} bytes of input left unconsumed, over the limit of {Limit}; closing ({Suppressed} similar messages suppressed)")]
    private static partial void InputLimitExceeded(ILogger logger, long id, int buffered, int limit, int suppressed);

    private static readonly LogThrottle s_inputLimitThrottle = new(TimeSpan.FromSeconds(1));

    /// <summary>Rate-limited: every peer can send a frame that never ends.</summary>
    public static void InputLimitExceeded(ILogger logger, long id, int buffered, int limit)
    {
        if (logger.IsEnabled(LogLevel.Warning) && s_inputLimitThrottle.TryEnter(out int suppressed))
        {
            InputLimitExceeded(logger, id, buffered, limit, suppressed);
        }
    }

    [LoggerMessage(EventId = 108, Level = LogLevel.Warning, Message = "Connection {Id}: a frame is longer than the framer's maximum ({Buffered} bytes unconsumed); closing ({Suppressed} similar messages suppressed)")]
    private static partial void FrameTooLarge(ILogger logger, long id, int buffered, int suppressed);

    private static readonly LogThrottle s_frameTooLargeThrottle = new(TimeSpan.FromSeconds(1));

    /// <summary>Rate-limited: every peer can announce a huge frame.</summary>
    public static void FrameTooLarge(ILogger logger, long id, int buffered)
    {
        if (logger.IsEnabled(LogLevel.Warning) && s_frameTooLargeThrottle.TryEnter(out int suppressed))
        {
            FrameTooLarge(logger, id, buffered, suppressed);
        }
    }

    [LoggerMessage(EventId = 105, Level = LogLevel.Debug, Message = "Connection {Id}: idle timeout")]
    public static partial void IdleTimeout(ILogger logger, long id);

    [LoggerMessage(EventId = 106, Level = LogLevel.Debug, Message = "Connection {Id}: the peer took no byte of {Pending} pending for the write-stall timeout; resetting")]
    public static partial void WriteStalled(ILogger logger, long id, int pending);

    [LoggerMessage(EventId = 110, Level = LogLevel.Debug, Message = "Listening on {EndPoint}")]
    public static partial void Listening(ILogger logger, EndPoint? endPoint);

    [LoggerMessage(EventId = 111, Level = LogLevel.Warning, Message = "accept failed: {Error}; shedding pending connections and pausing accepts for {BackoffMs} ms ({Suppressed} similar messages suppressed)")]
    public static partial void AcceptExhausted(ILogger logger, string error, int backoffMs, int suppressed);

    [LoggerMessage(EventId = 112, Level = LogLevel.Warning, Message = "Connection limit {Limit} reached; rejecting a connection ({Suppressed} similar messages suppressed)")]
    private static partial void ConnectionRejected(ILogger logger, int limit, int suppressed);

    /// <summary>Rate-limited through the server's <paramref name="throttle"/>: a connection storm must not log a line per connection.</summary>
    public static void ConnectionRejected(ILogger logger, int limit, LogThrottle throttle)
    {
        if (logger.IsEnabled(LogLevel.Warning) && throttle.TryEnter(out int suppressed))
        {
            ConnectionRejected(logger, limit, suppressed);
        }
    }

    [LoggerMessage(EventId = 113, Level = LogLevel.Error, Message = "accept failed")]
    public static partial void AcceptFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 109, Level = LogLevel.Warning, Message = "Connection {Id}: a send would bring the loop's pending output to {Pending} bytes, over its limit of {Limit}; closing ({Suppressed} similar messages suppressed)")]
    private static partial void LoopOutputLimitExceeded(ILogger logger, long id, long pending, long limit, int suppressed);

    /// <summary>Rate-limited through the loop's output-limit <paramref name="throttle"/>: many slow readers at once trigger it.</summary>
    public static void LoopOutputLimitExceeded(ILogger logger, long id, long pending, long limit, LogThrottle throttle)
    {
        if (logger.IsEnabled(LogLevel.Warning) && throttle.TryEnter(out int suppressed))
        {
            LoopOutputLimitExceeded(logger, id, pending, limit, suppressed);
        }
    }
}
