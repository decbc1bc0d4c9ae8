using System.Runtime.InteropServices;

namespace ReactorNet.Samples.Common;

/// <summary>
/// Turns Ctrl+C (SIGINT, through <see cref="Console.CancelKeyPress"/>) and SIGTERM (through
/// <see cref="PosixSignalRegistration"/>) into a <see cref="CancellationToken"/>. Both are
/// cancelled, so instead of dying the process gets to stop accepting, close its connections and exit 0.
/// A second request (another Ctrl+C or SIGTERM while the graceful shutdown runs) cancels
/// <see cref="StopNowToken"/>: the user does not want to wait for the clients any longer.
/// </summary>
/// <remarks>Create it before the server starts listening: a signal may come as soon as the
/// <c>listening on</c> line is out.</remarks>
public sealed class ShutdownSignal : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly CancellationTokenSource _stopNow = new();
    private int _requests;
    private readonly PosixSignalRegistration? _sigterm;
    private string? _reason;

    public ShutdownSignal()
    {
        Console.CancelKeyPress += OnCancelKeyPress;
        if (!OperatingSystem.IsBrowser() && !OperatingSystem.IsWasi())
        {
            _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                Trigger("SIGTERM");
            });
        }
    }

    /// <summary>Cancelled when shutdown is requested.</summary>
    public CancellationToken Token => _cts.Token;

    /// <summary>Cancelled by the second request: stop at once instead of waiting for connections to finish.</summary>
    public CancellationToken StopNowToken => _stopNow.Token;

    /// <summary>What asked for shutdown ("SIGTERM", "Ctrl+C", or what <see cref="Trigger"/> was given).</summary>
    public string? Reason => Volatile.Read(ref _reason);

    /// <summary>Requests shutdown by hand; the first reason is the one kept. A second call cancels <see cref="StopNowToken"/>.</summary>
    public void Trigger(string reason)
    {
        Interlocked.CompareExchange(ref _reason, reason, null);
        try
        {
            (Interlocked.Increment(ref _requests) == 1 ? _cts : _stopNow).Cancel();
        }
        catch (ObjectDisposedException)
        {
            // A signal raced with Dispose at the very end of the program: nothing left to stop.
        }
    }

    /// <summary>Blocks until shutdown is requested.</summary>
    public void Wait() => _cts.Token.WaitHandle.WaitOne();

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancelKeyPress;
        _sigterm?.Dispose();
        _cts.Dispose();
        _stopNow.Dispose();
    }

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        e.Cancel = true;
        Trigger(e.SpecialKey == ConsoleSpecialKey.ControlC ? "Ctrl+C" : e.SpecialKey.ToString());
    }
}
