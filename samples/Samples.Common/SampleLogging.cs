using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace ReactorNet.Samples.Common;

/// <summary>Console logging as every sample sets it up.</summary>
public static class SampleLogging
{
    /// <summary>
    /// A console logger factory writing single-line entries to <b>stderr</b>: stdout is kept for the
    /// program's output (the <c>listening on</c> line, the client's replies) so scripts can parse it.
    /// Dispose the factory before exiting: that flushes the queued entries.
    /// Logging never blocks: when the queue is full (stderr is a pipe nobody reads, or a slow
    /// terminal), new entries are dropped instead of making the event loop wait for the writer.
    /// </summary>
    public static ILoggerFactory CreateFactory(LogLevel minimumLevel = LogLevel.Information) =>
        LoggerFactory.Create(builder => builder
            .SetMinimumLevel(minimumLevel)
            .AddConsole(o =>
            {
                o.LogToStandardErrorThreshold = LogLevel.Trace;
                o.QueueFullMode = ConsoleLoggerQueueFullMode.DropWrite;
            })
            .AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            }));
}
