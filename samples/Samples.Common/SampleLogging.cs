using Microsoft.Extensions.Logging;

namespace ReactorNet.Samples.Common;

/// <summary>Console logging as every sample sets it up.</summary>
public static class SampleLogging
{
    /// <summary>
    /// A console logger factory writing single-line entries to <b>stderr</b>: stdout is kept for the
    /// program's output (the <c>listening on</c> line, the client's replies) so scripts can parse it.
    /// Dispose the factory before exiting: that flushes the queued entries.
    /// </summary>
    public static ILoggerFactory CreateFactory(LogLevel minimumLevel = LogLevel.Information) =>
        LoggerFactory.Create(builder => builder
            .SetMinimumLevel(minimumLevel)
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
            .AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            }));
}
