using System.Net;
using Microsoft.Extensions.Logging;

namespace ReactorNet.Samples.Common;

/// <summary>The life of every server program: listen, announce, wait for a signal, stop.</summary>
public static class ServerHost
{
    /// <summary>
    /// Starts the server with <paramref name="start"/>, prints the <c>listening on</c> line, waits
    /// for Ctrl+C or SIGTERM, then calls <paramref name="stop"/> (which must stop accepting and
    /// close every connection).
    /// </summary>
    /// <param name="serverName">Shown in the log, e.g. "blocking echo server".</param>
    /// <param name="start">Binds and listens; returns the bound endpoint (the real port when 0 was asked).</param>
    /// <param name="stop">Stops the server. Its token is cancelled by a second Ctrl+C or SIGTERM:
    /// a graceful wait for clients must then end at once.</param>
    /// <returns>The exit code: 0 after a requested shutdown, 1 when the server could not start.</returns>
    public static int Run(string programName, string serverName, ILogger logger, Func<IPEndPoint> start, Action<CancellationToken> stop, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(stop);
        stderr ??= Console.Error;

        using var shutdown = new ShutdownSignal();
        IPEndPoint endPoint;
        try
        {
            endPoint = start();
        }
#pragma warning disable CA1031 // Any start failure (port taken, bad address, ...) is reported the same way.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            stderr.WriteLine($"{programName}: cannot start: {ex.Message}");
            stderr.Flush();
            return ExitCodes.Failure;
        }

        SampleLog.Listening(logger, serverName, endPoint);
        ListeningLine.Write(endPoint, stdout);

        shutdown.Wait();
        SampleLog.ShuttingDown(logger, shutdown.Reason ?? "shutdown");
        using CancellationTokenRegistration again = shutdown.StopNowToken.Register(() => SampleLog.StoppingNow(logger));
        stop(shutdown.StopNowToken);
        SampleLog.Stopped(logger);
        return ExitCodes.Success;
    }
}
