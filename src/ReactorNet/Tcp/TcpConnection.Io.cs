using ReactorNet.Interop;

namespace ReactorNet.Tcp;

public sealed unsafe partial class TcpConnection
{
    /// <summary>Reads per readiness event before yielding to other connections (level-triggered, so nothing is lost).</summary>
    private const int MaxReadsPerEvent = 4;

    void IEventHandler.OnEvent(Registration registration, Readiness readiness)
    {
        // Order matters: take the data that is there before reacting to errors or hang-ups.
        if ((readiness & (Readiness.Readable | Readiness.HangUp | Readiness.Error)) != 0 && !_peerFinished)
        {
            Read(ignorePause: (readiness & (Readiness.HangUp | Readiness.Error)) != 0);
        }
        if (_closed)
        {
            return;
        }
        if ((readiness & Readiness.Writable) != 0 || ((readiness & (Readiness.HangUp | Readiness.Error)) != 0 && _output.Length > 0))
        {
            Flush();
        }
        if (_closed)
        {
            return;
        }
        if ((readiness & Readiness.Error) != 0)
        {
            int errno = Sockets.TakeError(_fd);
            CloseNow(CloseReason.Reset, errno != 0 ? new SystemCallException("socket", errno) : null, reset: false);
        }
        else if ((readiness & Readiness.HangUp) != 0)
        {
            // EPOLLHUP cannot be masked: both directions are gone, and leaving the socket
            // registered would report it every round. Whatever could be read has been read above.
            CloseNow(_finSent && _peerFinished ? CloseReason.Graceful : CloseReason.Reset, null, reset: false);
        }
    }

    private void Read(bool ignorePause)
    {
        if (!ignorePause && (_readPaused || _aboveHighWater))
        {
            return;
        }
        byte* buffer = _buffers.ReadPointer;
        for (int i = 0; i < MaxReadsPerEvent; i++)
        {
            nint n = Libc.recv(_fd, buffer, LoopBuffers.ReadBufferSize, 0);
            if (n > 0)
            {
                BytesReceived += n;
                _lastActivity = Reactor.LoopTimestamp;
                Reactor.Metrics.BytesReceived(n);
                try
                {
                    _handler.OnData(this, new ReadOnlySpan<byte>(buffer, (int)n));
                }
                catch (Exception ex)
                {
                    Log.HandlerFaulted(Reactor.Logger, Id, ex);
                    CloseNow(CloseReason.HandlerFault, ex, reset: true);
                }
                if (_closed || n < LoopBuffers.ReadBufferSize || (!ignorePause && (_readPaused || _aboveHighWater)))
                {
                    return; // a short read means the socket is (almost surely) drained
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
                CloseNow(CloseReason.Reset, new SystemCallException("recv", errno), reset: false);
            }
            return;
        }
    }

    private void OnPeerFinished()
    {
        _peerFinished = true;
        if (_finSent)
        {
            CloseNow(CloseReason.Graceful, null, reset: false);
            return;
        }
        UpdateInterest(); // read() would return 0 every round from now on: stop asking
        Log.PeerFinished(Reactor.Logger, Id);
        Invoke(static (h, c) => h.OnPeerClosed(c));
    }

    private bool SendInLoop(ReadOnlySpan<byte> data)
    {
        if (_closed || _closeRequested)
        {
            return false;
        }
        int written = 0;
        if (_output.Length == 0)
        {
            // Fast path: nothing queued, so the bytes may go straight to the kernel.
            fixed (byte* p = data)
            {
                while (written < data.Length)
                {
                    nint n = Libc.send(_fd, p + written, data.Length - written, Libc.MSG_NOSIGNAL);
                    if (n >= 0)
                    {
                        written += (int)n;
                        continue;
                    }
                    int errno = Errno.Last;
                    if (errno == Errno.EINTR)
                    {
                        continue;
                    }
                    if (errno == Errno.EAGAIN)
                    {
                        break;
                    }
                    CloseNow(CloseReason.Reset, new SystemCallException("send", errno), reset: false);
                    return false;
                }
            }
            if (written > 0)
            {
                BytesSent += written;
                _lastActivity = Reactor.LoopTimestamp;
                Reactor.Metrics.BytesSent(written);
            }
        }
        if (written == data.Length)
        {
            return true;
        }
        _output.Append(data[written..]);
        if (_output.Length > _options.MaxPendingOutputBytes)
        {
            Log.OutputLimitExceeded(Reactor.Logger, Id, _output.Length, _options.MaxPendingOutputBytes);
            CloseNow(CloseReason.OutputLimitExceeded, null, reset: true);
            return false;
        }
        if (!_aboveHighWater && _output.Length >= _options.HighWaterMark)
        {
            _aboveHighWater = true;
            UpdateInterest();
            Invoke(static (h, c) => h.OnWritabilityChanged(c, false));
        }
        else
        {
            UpdateInterest();
        }
        return true;
    }

    private void Flush()
    {
        while (_output.Length > 0)
        {
            long n = _output.WriteTo(_fd);
            if (n < 0)
            {
                int errno = (int)-n;
                if (errno == Errno.EAGAIN)
                {
                    break;
                }
                CloseNow(CloseReason.Reset, new SystemCallException("sendmsg", errno), reset: false);
                return;
            }
            BytesSent += n;
            _lastActivity = Reactor.LoopTimestamp;
            Reactor.Metrics.BytesSent(n);
        }
        if (_aboveHighWater && _output.Length <= _options.LowWaterMark)
        {
            _aboveHighWater = false;
            UpdateInterest();
            Invoke(static (h, c) => h.OnWritabilityChanged(c, true));
            if (_closed)
            {
                return;
            }
        }
        if (_output.Length == 0 && _closeRequested && !_finSent)
        {
            SendFin();
            return;
        }
        UpdateInterest();
    }
}
