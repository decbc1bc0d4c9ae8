using ReactorNet.Interop;

namespace ReactorNet.Tcp;

// How a connection ends: a graceful close (flush, FIN, the close timer), a half-close, a reset,
// the reactor's shutdown, and CloseNow, the one way out that every path takes.
public sealed partial class TcpConnection : IReactorShutdownHandler
{
    private CloseReason _closeReason;
    private Exception? _closeError;

    /// <summary>Why the connection closed (valid once <see cref="IsClosed"/>); read on the loop thread.</summary>
    internal CloseReason CloseReason => _closeReason;

    /// <summary>The error the connection closed with, if any; read on the loop thread.</summary>
    internal Exception? CloseError => _closeError;

    /// <summary>
    /// The reactor is being disposed: reset the connection and report <see cref="CloseReason.Shutdown"/>
    /// exactly once (<see cref="CloseNow"/> runs once). From then on Close/Abort are no-ops and
    /// Send returns false, because the connection is closed.
    /// </summary>
    void IReactorShutdownHandler.OnReactorShutdown() => CloseNow(CloseReason.Shutdown, null, reset: true);

    private void RecordClose(CloseReason reason, Exception? error)
    {
        _closeReason = reason;
        _closeError = error;
    }

    private void CloseInLoop()
    {
        if (_closed || _closeRequested)
        {
            return;
        }
        _closeRequested = true;
        _outputShutdown = true;
        if (_finSent)
        {
            StartCloseTimer(); // ShutdownOutput() already sent FIN; now the wait for the peer's is bounded
            return;
        }
        TrySendFin();
    }

    private void ShutdownOutputInLoop()
    {
        if (_closed || _outputShutdown)
        {
            return;
        }
        _outputShutdown = true;
        TrySendFin();
    }

    /// <summary>
    /// Sends FIN once it was asked for and nothing is pending: neither queued here nor accepted
    /// from another thread and still on its way to the loop (sends are refused by then, so the
    /// count can only fall).
    /// </summary>
    private void TrySendFin()
    {
        if (_outputShutdown && !_finSent && !_closed && PendingOutputBytes == 0)
        {
            SendFin();
        }
    }

    private void SendFin()
    {
        _finSent = true;
        Libc.shutdown(_fd, Libc.SHUT_WR);
        if (_peerFinished)
        {
            CloseNow(CloseReason.Graceful, null, reset: false);
            return;
        }
        if (_closeRequested)
        {
            StartCloseTimer();
        }
        UpdateInterest();
    }

    /// <summary>
    /// After our FIN, waits for the peer's at most <see cref="TcpConnectionOptions.CloseTimeout"/>.
    /// On expiry the descriptor is closed without RST: what the kernel already accepted is still
    /// delivered by the kernel (the orphaned socket is bounded by the kernel's own FIN-WAIT and
    /// retransmission limits), so a slow reader still gets everything.
    /// </summary>
    private void StartCloseTimer()
    {
        if (_extras?.CloseTimer is null && Timeouts.IsEnabled(_options.CloseTimeout))
        {
            Extra.CloseTimer = Reactor.Schedule(_options.CloseTimeout, static c => c.Contained(static x => x.OnCloseTimeout()), this);
        }
    }

    private void OnCloseTimeout()
    {
        if (_closed)
        {
            return;
        }
        // Unread bytes in the receive queue would make close() send RST and discard our unsent
        // output: take them first (the peer may even have finished meanwhile: then it is graceful).
        if (!ReadingPaused)
        {
            Read(drain: true, ignorePause: false);
        }
        CloseNow(CloseReason.CloseTimeout, null, reset: false);
    }

    /// <summary>The one way out: runs once, unregisters (DEL, then close), releases buffers, tells the handler.</summary>
    private void CloseNow(CloseReason reason, Exception? error, bool reset)
    {
        if (_closed)
        {
            return;
        }
        _closed = true;
        RecordClose(reason, error);
        RefuseSends();
        if (IsIdleTracked)
        {
            _buffers.IdleSweep.Untrack(this);
        }
        if (_extras is { } extras)
        {
            extras.CloseTimer?.Cancel();
            extras.StallTimer?.Cancel();
        }
        if (reset)
        {
            Sockets.SetLingerZero(_fd);
        }
        Registration.Unregister(); // the registration owns the fd: EPOLL_CTL_DEL, then close
        DiscardOutput();
        if (!_presenting)
        {
            ReleaseInput(); // else Present releases it once OnData has returned
        }
        Reactor.Metrics.Closed(reason.ToString());
        Log.ConnectionClosed(Reactor.Logger, Id, reason, error);
        _onClosed?.Invoke(this);
        try
        {
            _handler.OnClosed(this, reason, error);
        }
        catch (Exception ex)
        {
            Log.HandlerFaulted(Reactor.Logger, Id, ex);
        }
    }
}
