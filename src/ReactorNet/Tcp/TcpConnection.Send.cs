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
    private CrossThreadSend? _inbox; // cross-thread sends not yet in the output, newest first
    private int _inboxDrainPosted;   // 1 from posting a DrainInbox until it starts
    private long _ownBytesCallback = -1; // the loop callback that last appended bytes of its own: later appends in it do not take the inbox

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

    private bool SendFromOtherThread(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        long total = (long)first.Length + second.Length;
        if (!ReserveForSend(total))
        {
            return false;
        }
        int length = (int)total; // counted, so within MaxPendingOutputBytes
        if (length == 0)
        {
            return true;
        }
        byte[] copy = ArrayPool<byte>.Shared.Rent(length);
        first.CopyTo(copy);
        second.CopyTo(copy.AsSpan(first.Length));
        return Hand(copy, length);
    }

    /// <summary>
    /// Hands counted bytes copied on another thread to the loop. The copy joins the connection's
    /// inbox before TrySend returns, and the loop takes the inbox before it appends anything of its
    /// own: so a loop-thread send the application ordered after this one (a lock, a signal, a
    /// posted callback) is written after it. One drain is posted for any number of queued sends.
    /// </summary>
    private bool Hand(byte[] copy, int length)
    {
        var send = new CrossThreadSend(copy, length);
        CrossThreadSend? head = Volatile.Read(ref _inbox);
        while (true)
        {
            send.Next = head;
            CrossThreadSend? seen = Interlocked.CompareExchange(ref _inbox, send, head);
            if (seen == head)
            {
                break;
            }
            head = seen;
        }
        if (Interlocked.CompareExchange(ref _inboxDrainPosted, 1, 0) != 0)
        {
            return true; // a drain is on its way and has not taken the inbox yet: it takes this send too
        }
        if (Reactor.Execute(static c => c.DrainInbox(), this))
        {
            return true;
        }
        // The reactor is disposed: nothing queued will be written. This send did not happen, unless
        // the loop's last drain took it already (then it was written or discarded with the
        // connection). A send queued meanwhile by a thread that saw the flag still set returned true
        // and is discarded here too: the disposal resets the connection, so "true unless reset" holds.
        Volatile.Write(ref _inboxDrainPosted, 0); // a later sender tries (and fails) again, and discards its own
        bool mine = false;
        for (CrossThreadSend? queued = Interlocked.Exchange(ref _inbox, null); queued is not null; queued = queued.Next)
        {
            mine |= queued == send;
            Unreserve(queued.Length);
            ArrayPool<byte>.Shared.Return(queued.Data);
        }
        return !mine;
    }

    /// <summary>Posted by <see cref="Hand"/>: cross-thread sends reach the loop, outside any dispatch.</summary>
    private void DrainInbox()
    {
        // Cleared before the take (a full barrier): a send queued after the take posts a new drain.
        Interlocked.Exchange(ref _inboxDrainPosted, 0);
        _batching = true; // written just below, not listed for the end of the round
        TakeInbox();
        _batching = false;
        if (!_closed)
        {
            // Behind whatever the loop gathered: posted work is outside any dispatch, so the batch
            // is written (and completed, callbacks included) at once.
            EndBatch();
        }
    }

    /// <summary>
    /// Before the first bytes a loop callback appends: cross-thread sends that happened before
    /// them go first. Later appends of the same callback do not take the inbox, so what one
    /// callback writes (a message in several sends, a serializer's several GetSpan/Advance) stays
    /// in one piece on the wire. One plain read and compare in the common case.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private void TakeInboxBeforeOwnBytes()
    {
        long callback = Reactor.CallbackSequence;
        if (callback != _ownBytesCallback)
        {
            _ownBytesCallback = callback;
            TakeInbox();
        }
    }

    /// <summary>
    /// Moves the cross-thread sends queued so far into the output, oldest first (their bytes were
    /// counted when they were accepted), or uncounts them once the connection is closed. Loop
    /// thread, before anything of the loop's own is appended: one read when the inbox is empty.
    /// </summary>
    private void TakeInbox()
    {
        if (Volatile.Read(ref _inbox) is null)
        {
            return;
        }
        CrossThreadSend? newestFirst = Interlocked.Exchange(ref _inbox, null);
        CrossThreadSend? oldestFirst = null;
        while (newestFirst is not null)
        {
            CrossThreadSend? next = newestFirst.Next;
            newestFirst.Next = oldestFirst;
            oldestFirst = newestFirst;
            newestFirst = next;
        }
        bool appended = false;
        for (CrossThreadSend? send = oldestFirst; send is not null; send = send.Next)
        {
            if (_closed)
            {
                Unreserve(send.Length); // discarded with the connection
            }
            else
            {
                _output.Append(send.Data.AsSpan(0, send.Length));
                appended = true;
            }
            ArrayPool<byte>.Shared.Return(send.Data);
        }
        if (appended)
        {
            Gathered();
        }
    }

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
                _ = Reactor.Execute(static c => c.UpdateWritability(), this); // false: disposed, and the connection with it
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
        if (_stallTimerArmed || !Timeouts.IsEnabled(_options.WriteStallTimeout))
        {
            return;
        }
        _stallTimerArmed = true;
        if (_stallTimer is null)
        {
            _stallTimer = Reactor.Schedule(_options.WriteStallTimeout, static c => c.CheckWriteStall(), this);
        }
        else
        {
            Reactor.Reschedule(_stallTimer, _options.WriteStallTimeout);
        }
    }

    /// <summary>Resets the connection when queued output has waited a whole WriteStallTimeout without the kernel taking a byte.</summary>
    private void CheckWriteStall()
    {
        _stallTimerArmed = false;
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
        _stallTimerArmed = true;
        Reactor.Reschedule(_stallTimer!, TimeSpan.FromSeconds((double)(stallTicks - waited) / System.Diagnostics.Stopwatch.Frequency));
    }

    /// <summary>A copy made by a cross-thread send: a node of the connection's inbox (a lock-free stack, newest first).</summary>
    private sealed class CrossThreadSend(byte[] data, int length)
    {
        public byte[] Data { get; } = data;

        public int Length { get; } = length;

        public CrossThreadSend? Next { get; set; }
    }
}
