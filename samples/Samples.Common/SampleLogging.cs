using Microsoft.Extensions.Logging;

namespace ReactorNet.Samples.Common;

/// <summary>Logging as every sample sets it up.</summary>
public static class SampleLogging
{
    /// <summary>
    /// A logger factory writing single-line entries to <b>stderr</b>: stdout is kept for the
    /// program's output (the <c>listening on</c> line, the client's replies) so scripts can parse it.
    /// Dispose the factory before exiting: that flushes the queued entries.
    /// Logging never blocks: when the queue is full (stderr is a pipe nobody reads, or a slow
    /// terminal), new entries are dropped instead of making the event loop wait for the writer.
    /// </summary>
    public static ILoggerFactory CreateFactory(LogLevel minimumLevel = LogLevel.Information) =>
        new StderrLoggerFactory(minimumLevel);
}
