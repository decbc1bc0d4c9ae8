using ReactorNet.Interop;

namespace ReactorNet.Tcp;

public sealed unsafe partial class TcpConnection
{
    /// <summary>Reads per readiness event before yielding to other connections (level-triggered, so nothing is lost).</summary>
    private const int MaxReadsPerEvent = 4;

    void IEventHandler.OnEvent(Registration registration, Readiness readiness)
    {
        // Sends made while this connection's events are handled are gathered and written once,
        // at the end (TcpConnection.Batch.cs).
        _batching = true;
        try
        {
            FaultHook?.Invoke();
            HandleEvent(readiness);
        }
        catch (Exception ex)
        {
            // Handler callbacks are isolated where they are called (Invoke); this is the transport
            // itself failing (a bug, an allocation failure). Left to the reactor, the descriptor
            // would be closed behind the connection's back: no OnClosed, still counted by its
            // server, its timers still armed. Close it the one way out instead.
            _batching = false;
            Fault(ex);
            return;
        }
        finally
        {
            _batching = false;
        }
        if (!_closed)
        {
            EndBatch(); // contains its own faults
        }
    }

    /// <summary>The transport failed while handling this connection's event: log, reset, tell the handler once.</summary>
    private void Fault(Exception exception)
    {
        Log.TransportFaulted(Reactor.Logger, Id, exception);
        CloseNow(CloseReason.HandlerFault, exception, reset: true);
    }

    /// <summary>
    /// Runs the connection's own work that the loop calls outside its dispatch: its close and
    /// write-stall timers, and the work posted for it (a close or half-close, a drain of
    /// cross-thread sends, a writability update, input presented again). A fault of the transport
    /// there resets this connection, as in a dispatch; let out, it reached the loop, which logged it
    /// as a failed callback and left the connection open: no OnClosed, still counted by its
    /// server, its descriptor kept. Handler callbacks inside are isolated where they are called.
    /// </summary>
    private void Contained(Action<TcpConnection> work)
    {
        try
        {
            FaultHook?.Invoke();
            work(this);
        }
        catch (Exception ex)
        {
            Fault(ex);
        }
    }

    private void HandleEvent(Readiness readiness)
    {
        bool hangUp = (readiness & Readiness.HangUp) != 0;
        bool error = (readiness & Readiness.Error) != 0;
        _hangUpSeen |= hangUp;
        // Order matters: take the data that is there before reacting to errors or hang-ups.
        if ((readiness & (Readiness.Readable | Readiness.ReadHangUp | Readiness.HangUp | Readiness.Error)) != 0 && !_peerFinished)
        {
            // After a hang-up the peer sends nothing more: read to EOF, past the per-event cap and
            // the short-read heuristic, or unread bytes would be lost (and close() would send RST).
            // An error ends the connection anyway, so a pause does not hold it back.
            Read(drain: hangUp || (readiness & Readiness.ReadHangUp) != 0 || error, ignorePause: error);
        }
        if (_closed)
        {
            return;
        }
        if (((readiness & Readiness.Writable) != 0 || hangUp || error) && _output.Length > 0)
        {
            WriteOutput(); // EPOLLOUT (or the last chance before a hang-up): the end of the dispatch completes it
        }
        if (_closed)
        {
            return;
        }
        if (error)
        {
            int errno = Sockets.TakeError(_fd);
            CloseNow(CloseReason.Reset, errno != 0 ? _buffers.PeerError("socket", errno) : null, reset: false);
        }
        else if (hangUp)
        {
            if (ReadingPaused && !_peerFinished)
            {
                // Unread data waits for ResumeReading; meanwhile the registration is parked (one-shot),
                // so the unmaskable EPOLLHUP does not come back every round.
                UpdateInterest();
                return;
            }
            // Read to EOF above: had both FINs been exchanged the connection would be closed
            // (Graceful) by now. A hang-up without EOF is the kernel's word that the connection died.
            CloseNow(CloseReason.Reset, null, reset: false);
        }
    }

    private void Read(bool drain, bool ignorePause)
    {
        byte* buffer = _buffers.ReadPointer;
        for (int i = 0; drain || i < MaxReadsPerEvent; i++)
        {
            if (!ignorePause && ReadingPaused)
            {
                return;
            }
            nint n = Libc.recv(_fd, buffer, LoopBuffers.ReadBufferSize, 0);
            if (n > 0)
            {
                BytesReceived += n;
                _lastActivity = Reactor.LoopTimestamp;
                Reactor.Metrics.BytesReceived(n);
                Present(buffer, (int)n);
                // Sends this read made to other connections (a proxy) are written now, not at the
                // end of the round: their writability reaches the application before the next read,
                // so a producer paused from there stops at once, even while draining to EOF.
                _buffers.PendingFlushes.FlushAll();
                if (_closed || (!drain && n < LoopBuffers.ReadBufferSize))
                {
                    return; // a short read means the socket is (almost surely) drained; level-triggered keeps the rest
                }
                continue;
            }
            if (n == 0)
            {
                OnPeerFinished();
                return;
            }
            int errno = Errno.Last;
            if (errno == Errno.EINTR)
            {
                continue;
            }
            if (errno != Errno.EAGAIN)
            {
                CloseNow(CloseReason.Reset, _buffers.PeerError("recv", errno), reset: false);
            }
            return;
        }
    }

    private void OnPeerFinished()
    {
        _peerFinished = true;
        Log.PeerFinished(Reactor.Logger, Id);
        if (!_finSent)
        {
            UpdateInterest(); // read() would return 0 every round from now on: stop asking
        }
        if (!_closeRequested)
        {
            Invoke(static (h, c) => h.OnInputShutdown(c));
        }
        if (_finSent && !_closed)
        {
            // Both FINs exchanged and everything read: nothing was discarded.
            CloseNow(CloseReason.Graceful, null, reset: false);
        }
    }
}
