using ReactorNet.Interop;

namespace ReactorNet.Tcp;

/// <summary>
/// Batched output on the loop thread. A send there only copies the bytes into the connection's
/// output; one <c>sendmsg</c> writes the whole batch when the dispatch of the connection's events
/// ends, or, for sends made elsewhere on the loop, right before the loop blocks again (the
/// connection waits in <see cref="PendingFlushes"/>). So N pipelined requests read together cost
/// one write (redis, Netty's flush in channelReadComplete, Kestrel's PipeWriter all do this), and
/// a single read → reply costs the same one call as a direct send, in the same round.
/// </summary>
/// <remarks>
/// Writing never runs a handler callback: errors, the stall timer, writability changes and a FIN
/// that waited for the output are acted on when the batch completes (<see cref="CompleteWrite"/>),
/// outside the application's send or <see cref="Flush"/> call.
/// </remarks>
public sealed partial class TcpConnection
{
    /// <summary>Gathered output is written at once from this size on, so a batch stays bounded.</summary>
    internal const int BatchFlushThreshold = 64 * 1024;

    private bool _batching;          // sends are gathered: the connection's dispatch (or its batch completion) runs
    private bool _flushListed;       // waiting in the loop's PendingFlushes
    private bool _awaitingWritable;  // a write hit EAGAIN: EPOLLOUT is armed and its event writes the rest
    private int _writeError;         // errno of a failed write; the close follows when the batch completes

    /// <summary>
    /// Write system calls made for this connection (<c>send</c>/<c>sendmsg</c>, including ones the
    /// kernel answered with EAGAIN): with batching, one per read batch, not one per reply.
    /// </summary>
    public long WriteCalls { get; private set; }

    /// <summary>
    /// Writes the output gathered on the loop thread now, instead of at the end of the batch (for
    /// code that wants bytes on the wire before it goes on). Runs no handler callback inside the
    /// call. From another thread it does nothing: sends from other threads are written as soon as
    /// they reach the loop.
    /// </summary>
    public void Flush()
    {
        if (Reactor.IsInLoopThread && !_closed && !_awaitingWritable)
        {
            TakeInboxBeforeOwnBytes(); // a cross-thread send that happened before the flush is written by it
            WriteOutput();
        }
    }

    /// <summary>Counts and gathers loop-thread output (two parts, all or nothing); nothing is written here unless the batch is full.</summary>
    private bool SendInLoop(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        long total = (long)first.Length + second.Length;
        if (!ReserveForSend(total))
        {
            return false;
        }
        TakeInboxBeforeOwnBytes(); // cross-thread sends that happened before this callback's first bytes go first
        if (total == 0)
        {
            return true;
        }
        if (total >= BatchFlushThreshold && _output.Length == 0 && !_awaitingWritable && _writeError == 0)
        {
            // A batch this large would be written at once anyway: write it from the caller's
            // memory and copy only what the kernel leaves (a 1 MiB body is not copied whole first).
            long written = OutputBuffer.WriteTo(_fd, first, second);
            if (AccountWrite(written))
            {
                int inFirst = (int)Math.Min(written, first.Length);
                second = second[(int)(written - inFirst)..];
                first = first[inFirst..];
            }
        }
        _output.Append(first);
        _output.Append(second);
        Gathered(); // also when all was written: the batch completes (writability, FIN) as usual
        return true;
    }

    /// <summary>Bytes were added to the output on the loop thread: make sure the batch gets written.</summary>
    private void Gathered()
    {
        // While the socket is full the EPOLLOUT event writes, behind what waits already; the batch
        // still completes (listed below), so crossing the high-water mark is reported now and not
        // only when the peer reads again (a proxy must pause its producer meanwhile).
        if (!_awaitingWritable && _output.Length >= BatchFlushThreshold)
        {
            WriteOutput();
        }
        if (!_batching && !_flushListed)
        {
            _flushListed = true;
            _buffers.PendingFlushes.Add(this);
        }
    }

    /// <summary>The loop is about to block: write what was gathered outside a dispatch.</summary>
    internal void FlushPending()
    {
        _flushListed = false;
        if (!_closed && !_batching)
        {
            // A callback of its own: sends from the callbacks the completion runs are first bytes
            // again and take the cross-thread sends that happened before them (the loop's sequence
            // would otherwise still be that of the callback that gathered the output).
            Reactor.EnterCallback(this);
            EndBatch();
        }
    }

    /// <summary>
    /// Writes the batch and completes it. Sends made by the callbacks this runs join the batch and
    /// are written in the same pass, until everything is written or the socket is full.
    /// </summary>
    private void EndBatch()
    {
        _batching = true;
        try
        {
            FaultHook?.Invoke();
            do
            {
                if (_output.Length > 0 && !_awaitingWritable && _writeError == 0)
                {
                    WriteOutput();
                }
                CompleteWrite();
            }
            while (!_closed && _output.Length > 0 && !_awaitingWritable);
        }
        catch (Exception ex)
        {
            // The transport itself failed (handler callbacks are isolated where they are called).
            // Batches are written at the end of a dispatch, by the loop's before-block step for
            // many connections at once, and by a posted drain: contained here, the fault resets
            // this connection only, instead of stopping the loop or leaving it gathering for ever.
            _batching = false;
            Fault(ex);
        }
        finally
        {
            _batching = false;
        }
    }

    /// <summary>
    /// Writes gathered output as far as the kernel takes it, with one <c>sendmsg</c> of up to 16
    /// segments per call. Runs no callback: a failure is kept for <see cref="CompleteWrite"/>.
    /// </summary>
    private void WriteOutput()
    {
        while (_output.Length > 0)
        {
            if (!AccountWrite(_output.WriteTo(_fd)))
            {
                return;
            }
        }
        _awaitingWritable = false;
    }

    /// <summary>
    /// Books one write call's result (<paramref name="written"/> bytes, or -errno); false when
    /// writing must stop: the socket is full (EPOLLOUT takes over) or the write failed (kept for
    /// <see cref="CompleteWrite"/>).
    /// </summary>
    private bool AccountWrite(long written)
    {
        WriteCalls++;
        if (written < 0)
        {
            int errno = (int)-written;
            if (errno == Errno.EAGAIN)
            {
                if (!_awaitingWritable)
                {
                    _awaitingWritable = true;
                    _lastWriteProgress = Reactor.LoopTimestamp; // the stall clock starts when output starts waiting
                }
                return false;
            }
            _writeError = errno;
            RefuseSends(); // the connection is dead: later sends are refused, not gathered
            return false;
        }
        Consumed(written);
        BytesSent += written;
        _lastActivity = Reactor.LoopTimestamp;
        Reactor.Metrics.BytesSent(written);
        return true;
    }

    /// <summary>
    /// Acts on what writing found, with callbacks: a write error resets the connection; output
    /// left over arms the stall timer and EPOLLOUT; writability is reported; a FIN that waited for
    /// the output is sent.
    /// </summary>
    private void CompleteWrite()
    {
        if (_closed)
        {
            return;
        }
        if (_writeError != 0)
        {
            CloseNow(CloseReason.Reset, _buffers.PeerError("sendmsg", _writeError), reset: false);
            return;
        }
        if (_awaitingWritable)
        {
            ArmStallTimer();
        }
        UpdateWritability();
        if (_closed)
        {
            return;
        }
        TrySendFin();
        UpdateInterest();
    }
}
