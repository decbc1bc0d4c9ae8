using System.Buffers;

namespace ReactorNet.Tcp;

/// <summary>
/// Sends from threads other than the loop's: counted on the calling thread (TcpConnection.Send.cs),
/// copied, and pushed onto the connection's inbox, a lock-free stack the loop takes whole. The loop
/// takes it before the first bytes each of its callbacks appends, so a cross-thread send that
/// happened before a loop-thread send reaches the wire first, and what one loop callback writes
/// stays contiguous. One posted drain serves any number of queued sends.
/// </summary>
public sealed partial class TcpConnection
{
    private CrossThreadSend? _inbox; // cross-thread sends not yet in the output, newest first
    private int _inboxDrainPosted;   // 1 from posting a DrainInbox until it starts
    private long _ownBytesCallback = -1; // the loop callback that last appended bytes of its own: later appends in it do not take the inbox

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
        if (Reactor.Execute(static c => c.Contained(static x => x.DrainInbox()), this))
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

    /// <summary>A copy made by a cross-thread send: a node of the connection's inbox (a lock-free stack, newest first).</summary>
    private sealed class CrossThreadSend(byte[] data, int length)
    {
        public byte[] Data { get; } = data;

        public int Length { get; } = length;

        public CrossThreadSend? Next { get; set; }
    }
}
