namespace ReactorNet;

/// <summary>
/// The loop's timers: a binary min-heap ordered by due time, each timer knowing its heap index so
/// cancelling is O(log n) rather than a scan, and 100,000 pending timers cost one array. The loop
/// sleeps in <c>epoll_wait</c> exactly until the earliest one (redis ae.c and libuv do the same);
/// no thread or kernel timer per timer. Loop thread only.
/// Due times are Stopwatch timestamps computed with saturating arithmetic (<see cref="Timeouts"/>);
/// <see cref="Timeouts.Never"/> is never due.
/// </summary>
internal sealed class TimerQueue
{
    private readonly CallbackTracker _tracker;
    private ReactorTimer[] _heap = new ReactorTimer[16];
    private int _count;

    /// <summary>The "now" of the <see cref="RunDue"/> pass in progress, <see cref="long.MinValue"/> outside one.</summary>
    private long _passNow = long.MinValue;

    /// <param name="tracker">Where the loop records which callback runs (the stall watchdog reads it).</param>
    public TimerQueue(CallbackTracker? tracker = null) => _tracker = tracker ?? new CallbackTracker();

    public int Count => _count;

    /// <summary>
    /// Test seam: called on the loop thread at the last moment before a due timer's callback
    /// starts, so a test can cancel from another thread exactly there. Null in production.
    /// </summary>
    internal Action<ReactorTimer>? StartingHook { get; set; }

    public void Add(ReactorTimer timer)
    {
        if (timer.DueTimestamp <= _passNow)
        {
            // Added by a callback of the running pass (a re-armed or new timer): due strictly after
            // this pass, so no timer runs twice in one pass and a pass always ends.
            timer.DueTimestamp = _passNow + 1;
        }
        if (_count == _heap.Length)
        {
            Array.Resize(ref _heap, _count * 2);
        }
        _heap[_count] = timer;
        timer.HeapIndex = _count;
        SiftUp(_count++);
    }

    public void Remove(ReactorTimer timer)
    {
        int index = timer.HeapIndex;
        if (index < 0)
        {
            return;
        }
        timer.HeapIndex = -1;
        int last = --_count;
        if (index != last)
        {
            _heap[index] = _heap[last];
            _heap[index].HeapIndex = index;
            _heap[last] = null!;
            SiftDown(index);
            SiftUp(index);
        }
        else
        {
            _heap[last] = null!;
        }
    }

    /// <summary>The earliest timer's due time (Stopwatch timestamp); <see cref="Timeouts.Never"/> if none.</summary>
    public long NextDue => _count == 0 ? Timeouts.Never : _heap[0].DueTimestamp;

    /// <summary>Milliseconds until the earliest timer, rounded up so the loop never wakes early and spins; -1 if none.</summary>
    public int MillisecondsUntilNext(long now)
    {
        if (_count == 0)
        {
            return -1;
        }
        long due = _heap[0].DueTimestamp;
        // Neither subtraction can overflow: due is below Never and both are Stopwatch timestamps.
        return due == Timeouts.Never ? -1 : Timeouts.ToMillisecondsCeiling(due - now);
    }

    /// <summary>
    /// Fires every timer due at <paramref name="now"/> (a snapshot), each at most once, re-queueing
    /// periodic ones strictly after <paramref name="now"/>. A timer cancelled from another thread
    /// whose removal is still queued behind this pass is dropped here, not run: the start of each
    /// call is a CAS on the timer's state that a Cancel either beats or loses to (M12).
    /// </summary>
    public void RunDue(long now, Action<Exception> onError)
    {
        _passNow = now;
        try
        {
            while (_count > 0 && _heap[0].DueTimestamp <= now)
            {
                ReactorTimer timer = _heap[0];
                Remove(timer);
                StartingHook?.Invoke(timer);
                if (!timer.TryStart())
                {
                    continue; // cancelled (its removal may still be queued behind this pass)
                }
                if (timer.PeriodTicks > 0)
                {
                    // Schedule from the previous due time, not from now, so a periodic timer does not drift;
                    // but never into the past, or a stalled loop would fire a burst of catch-up calls.
                    timer.DueTimestamp = Math.Max(Timeouts.Deadline(timer.DueTimestamp, timer.PeriodTicks), now + 1);
                    Add(timer);
                }
                else
                {
                    timer.Fired = true;
                }
                _tracker.Enter(timer.State ?? timer.Callback);
                try
                {
                    timer.Callback(timer.State);
                }
                catch (Exception ex)
                {
                    onError(ex);
                }
                finally
                {
                    timer.Finish();
                }
            }
        }
        finally
        {
            _passNow = long.MinValue;
        }
    }

    public void Clear()
    {
        for (int i = 0; i < _count; i++)
        {
            _heap[i].HeapIndex = -1;
            _heap[i] = null!;
        }
        _count = 0;
    }

    private void SiftUp(int index)
    {
        ReactorTimer timer = _heap[index];
        while (index > 0)
        {
            int parent = (index - 1) / 2;
            if (_heap[parent].DueTimestamp <= timer.DueTimestamp)
            {
                break;
            }
            Place(_heap[parent], index);
            index = parent;
        }
        Place(timer, index);
    }

    private void SiftDown(int index)
    {
        ReactorTimer timer = _heap[index];
        while (true)
        {
            int child = 2 * index + 1;
            if (child >= _count)
            {
                break;
            }
            if (child + 1 < _count && _heap[child + 1].DueTimestamp < _heap[child].DueTimestamp)
            {
                child++;
            }
            if (timer.DueTimestamp <= _heap[child].DueTimestamp)
            {
                break;
            }
            Place(_heap[child], index);
            index = child;
        }
        Place(timer, index);
    }

    private void Place(ReactorTimer timer, int index)
    {
        _heap[index] = timer;
        timer.HeapIndex = index;
    }
}
