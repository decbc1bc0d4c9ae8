using System.Buffers;
using ReactorNet.Interop;

namespace ReactorNet.Tcp;

/// <summary>
/// Output accounting shared by every thread. One 64-bit word holds the pending byte count (queued
/// here plus accepted from other threads and still on their way to the loop) and a "refused" bit,
/// so that "not closing, and under the limit" is checked and the bytes counted in one
/// compare-and-swap on the calling thread (Netty's incrementPendingOutboundBytes). Only the loop
/// makes the count fall: when the kernel takes bytes, or when the connection closes.
/// </summary>
public sealed unsafe partial class TcpConnection
{
    private const long SendsRefused = 1L << 62;
    private const long PendingMask = SendsRefused - 1;

    private long _sendState;     // pending bytes | SendsRefused
    private int _unwritable;     // 1 from crossing the high-water mark (any thread) until drained below the low-water mark (loop)

    private enum Reservation
    {
        Taken,
        Refused,
        OverLimit,
        OverLoopLimit,
    }

    /// <summary>
    /// Bytes accepted by <see cref="TrySend(ReadOnlySpan{byte})"/> and not yet taken by the kernel, including bytes sent
    /// from other threads that the loop has not handled yet. Safe from any thread.
    /// </summary>
    public int PendingOutputBytes => (int)(Volatile.Read(ref _sendState) & PendingMask);

    /// <summary>
    /// False from the moment pending output reaches the high-water mark until it drains to the
    /// low-water mark, and once the connection is closing or closed. Safe from any thread: a
    /// producer that sends only while this is true never reaches
    /// <see cref="TcpConnectionOptions.MaxPendingOutputBytes"/> by more than one send.
    /// </summary>
    public bool IsWritable => Volatile.Read(ref _unwritable) == 0 && (Volatile.Read(ref _sendState) & SendsRefused) == 0;

    /// <summary>
    /// Sends <paramref name="data"/>. On the loop thread the bytes are copied into the connection's
    /// output and written together with the rest of the batch: when the dispatch of this
    /// connection's events ends, or, for a send made elsewhere on the loop (a timer, posted work,
    /// another connection's handler), right before the loop blocks again; earlier once 64 KiB are
    /// gathered, or on <see cref="Flush"/>. From another thread the bytes are counted at once and
    /// copied, and the loop writes them as soon as they reach it. Never runs a handler callback
    /// inside the call (writability changes and a close it causes are reported afterwards).
    /// Allocates nothing in steady state.
    /// </summary>
    /// <param name="data">The bytes.</param>
    /// <returns>
    /// True: the bytes count in <see cref="PendingOutputBytes"/> from now on and will be written
    /// before any FIN, unless the connection is aborted or reset. False: nothing was taken, because
    /// <see cref="Close"/>, <see cref="Abort"/> or <see cref="ShutdownOutput"/> was called, the
    /// connection is closed, or <see cref="TcpConnectionOptions.MaxPendingOutputBytes"/> would be
    /// passed (the connection is then closed with <see cref="CloseReason.OutputLimitExceeded"/>).
    /// </returns>
    public bool TrySend(ReadOnlySpan<byte> data) =>
        Reactor.IsInLoopThread ? SendInLoop(data, default) : SendFromOtherThread(data, default);

    /// <summary>
    /// Sends <paramref name="header"/> followed by <paramref name="body"/>, all or nothing, with no
    /// allocation: both go into the same batch, so they leave in one <c>sendmsg</c>. Otherwise as
    /// <see cref="TrySend(ReadOnlySpan{byte})"/>.
    /// </summary>
    /// <param name="header">The first bytes.</param>
    /// <param name="body">The bytes that follow.</param>
    /// <returns>As <see cref="TrySend(ReadOnlySpan{byte})"/>, for both parts together.</returns>
    public bool TrySend(ReadOnlySpan<byte> header, ReadOnlySpan<byte> body) =>
        Reactor.IsInLoopThread ? SendInLoop(header, body) : SendFromOtherThread(header, body);

    /// <summary>
    /// Sends every segment of <paramref name="data"/>, all or nothing, into the same batch (one
    /// <c>sendmsg</c>). Otherwise as <see cref="TrySend(ReadOnlySpan{byte})"/>.
    /// </summary>
    /// <param name="data">The bytes.</param>
    /// <returns>As <see cref="TrySend(ReadOnlySpan{byte})"/>, for the whole sequence.</returns>
    public bool TrySend(in ReadOnlySequence<byte> data)
    {
        if (data.IsSingleSegment)
        {
            return TrySend(data.FirstSpan);
        }
        if (!ReserveForSend(data.Length))
        {
            return false;
        }
        int length = (int)data.Length; // counted, so within MaxPendingOutputBytes
        if (!Reactor.IsInLoopThread)
        {
            byte[] copy = ArrayPool<byte>.Shared.Rent(length);
            data.CopyTo(copy);
            return Hand(copy, length);
        }
        TakeInboxBeforeOwnBytes();
        foreach (ReadOnlyMemory<byte> segment in data)
        {
            _output.Append(segment.Span);
        }
        Gathered();
        return true;
    }

    /// <summary>Counts <paramref name="length"/> bytes about to be sent; false (the send is refused) when closing or past the limit.</summary>
    private bool ReserveForSend(long length)
    {
        switch (Reserve(length, ignoreRefusal: false))
        {
            case Reservation.Refused:
                return false;
            case Reservation.OverLimit:
                ExceedOutputLimit(length, loopWide: false);
                return false;
            case Reservation.OverLoopLimit:
                ExceedOutputLimit(length, loopWide: true);
                return false;
            default:
                return true;
        }
    }

    private void RefuseSends() => Interlocked.Or(ref _sendState, SendsRefused);

    /// <summary>
    /// Counts <paramref name="length"/> more pending bytes unless sends are refused or the limit
    /// would be passed; checked before anything is copied. Any thread.
    /// </summary>
    private Reservation Reserve(long length, bool ignoreRefusal)
    {
        long state = Volatile.Read(ref _sendState);
        long pending;
        while (true)
        {
            if ((state & SendsRefused) != 0 && !ignoreRefusal)
            {
                return Reservation.Refused;
            }
            pending = state & PendingMask;
            if (length > _options.MaxPendingOutputBytes - pending)
            {
                return Reservation.OverLimit;
            }
            long seen = Interlocked.CompareExchange(ref _sendState, state + length, state);
            if (seen == state)
            {
                break;
            }
            state = seen;
        }
        if (_options.MaxLoopPendingOutputBytes > 0 && !_buffers.TryReserveOutput(length, _options.MaxLoopPendingOutputBytes))
        {
            Interlocked.Add(ref _sendState, -length); // the loop as a whole is full: take nothing
            return Reservation.OverLoopLimit;
        }
        if (pending + length >= _options.HighWaterMark && Volatile.Read(ref _unwritable) == 0 && Interlocked.Exchange(ref _unwritable, 1) == 0)
        {
            // Crossed the high-water mark: IsWritable is false from now on, on every thread. The
            // loop tells the application (on the loop thread, when the batch completes).
            if (!Reactor.IsInLoopThread)
            {
                _ = Reactor.Execute(static c => c.Contained(static x => x.UpdateWritability()), this); // false: disposed, and the connection with it
            }
        }
        return Reservation.Taken;
    }

    private void ExceedOutputLimit(long length, bool loopWide)
    {
        RefuseSends();
        if (loopWide)
        {
            Log.LoopOutputLimitExceeded(Reactor.Logger, Id, _buffers.PendingOutputBytes + length, _options.MaxLoopPendingOutputBytes, Reactor.OutputLimitLog);
        }
        else
        {
            long pending = Volatile.Read(ref _sendState) & PendingMask;
            Log.OutputLimitExceeded(Reactor.Logger, Id, pending + length, _options.MaxPendingOutputBytes, Reactor.OutputLimitLog);
        }
        if (!Reactor.IsInLoopThread)
        {
            _ = Reactor.Execute(static c => c.CloseNow(CloseReason.OutputLimitExceeded, null, reset: true), this);
            return;
        }
        // Posted, not run inline: TrySend never runs a callback (here OnClosed) inside the call.
        try
        {
            Reactor.Post(static c => c.CloseNow(CloseReason.OutputLimitExceeded, null, reset: true), this);
        }
        catch (ObjectDisposedException)
        {
            // The reactor is being disposed from a callback: its teardown closes the connection.
        }
    }

    /// <summary>
    /// Uncounts bytes that will not be written by this connection any more (written, discarded or
    /// never taken), from the connection's count and, when it has a loop-wide cap, the loop's.
    /// </summary>
    private void Unreserve(long bytes)
    {
        Interlocked.Add(ref _sendState, -bytes);
        if (_options.MaxLoopPendingOutputBytes > 0)
        {
            _buffers.ReleaseOutput(bytes);
        }
    }

    /// <summary>The kernel took <paramref name="bytes"/> queued bytes; loop thread.</summary>
    private void Consumed(long bytes)
    {
        Unreserve(bytes);
        _lastWriteProgress = Reactor.LoopTimestamp;
    }

    /// <summary>Drops queued output when the connection closes; cross-thread sends queued later uncount themselves when their drain runs.</summary>
    private void DiscardOutput()
    {
        TakeInbox(); // closed: uncounts what other threads queued
        Unreserve(_output.Length);
        _output.Clear();
        _awaitingWritable = false;
    }

    /// <summary>
    /// Brings the writable flag and what the application was told up to date; loop thread. The
    /// flag is set by whichever thread crosses the high-water mark and cleared only here, once
    /// pending output is at or below the low-water mark.
    /// </summary>
    private void UpdateWritability()
    {
        // A loop: the callback may produce past the high-water mark again (sends are gathered, not
        // reported inside TrySend), and that change must be told too, or the next drain would have
        // no "writable" to report and a producer waiting for it would stall.
        while (!_closed)
        {
            bool cleared = false;
            if (Volatile.Read(ref _unwritable) != 0 && PendingOutputBytes <= _options.LowWaterMark)
            {
                Volatile.Write(ref _unwritable, 0);
                cleared = true;
                if (PendingOutputBytes >= _options.HighWaterMark)
                {
                    Volatile.Write(ref _unwritable, 1); // another thread crossed it again meanwhile
                    cleared = false;
                }
            }
            bool writable = Volatile.Read(ref _unwritable) == 0;
            if (writable == _toldWritable)
            {
                if (!cleared)
                {
                    return;
                }
                // Raised and cleared between two reports (a loop-thread send past the high-water
                // mark, written whole with its batch): the application may have seen IsWritable
                // false and stopped producing or consuming, so it hears both edges; the "true"
                // resumes it and re-presents input it left meanwhile.
                _toldWritable = false;
                Invoke(static (h, c) => h.OnWritabilityChanged(c, false));
                continue;
            }
            _toldWritable = writable;
            UpdateInterest();
            if (writable)
            {
                ScheduleBufferedInput(); // reading resumes (if backpressure paused it): frames left meanwhile come back
            }
            Invoke(writable ? static (h, c) => h.OnWritabilityChanged(c, true) : static (h, c) => h.OnWritabilityChanged(c, false));
        }
    }

    private void ArmStallTimer()
    {
        if (!Timeouts.IsEnabled(_options.WriteStallTimeout))
        {
            return;
        }
        Extras extras = Extra;
        if (extras.StallTimerArmed)
        {
            return;
        }
        extras.StallTimerArmed = true;
        if (extras.StallTimer is null)
        {
            extras.StallTimer = Reactor.Schedule(_options.WriteStallTimeout, static c => c.Contained(static x => x.CheckWriteStall()), this);
        }
        else
        {
            Reactor.Reschedule(extras.StallTimer, _options.WriteStallTimeout);
        }
    }

    /// <summary>Resets the connection when queued output has waited a whole WriteStallTimeout without the kernel taking a byte.</summary>
    private void CheckWriteStall()
    {
        Extras extras = Extra; // made by ArmStallTimer, which scheduled this
        extras.StallTimerArmed = false;
        if (_closed || _output.Length == 0)
        {
            return; // nothing waits: the timer re-arms when output is queued again
        }
        long stallTicks = Timeouts.ToTicks(_options.WriteStallTimeout);
        long waited = Reactor.LoopTimestamp - _lastWriteProgress;
        if (waited >= stallTicks)
        {
            Log.WriteStalled(Reactor.Logger, Id, _output.Length);
            CloseNow(CloseReason.WriteStalled, null, reset: true);
            return;
        }
        extras.StallTimerArmed = true;
        Reactor.Reschedule(extras.StallTimer!, TimeSpan.FromSeconds((double)(stallTicks - waited) / System.Diagnostics.Stopwatch.Frequency));
    }
}
