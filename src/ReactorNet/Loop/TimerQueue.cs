using System.Diagnostics;

namespace ReactorNet;

/// <summary>
/// The loop's timers: a binary min-heap ordered by due time, each timer knowing its heap index so
/// cancelling is O(log n) rather than a scan, and 100,000 pending timers cost one array. The loop
/// sleeps in <c>epoll_wait</c> exactly until the earliest one (redis ae.c and libuv do the same);
/// no thread or kernel timer per timer. Loop thread only.
/// </summary>
internal sealed class TimerQueue
{
    private ReactorTimer[] _heap = new ReactorTimer[16];
    private int _count;

    public int Count => _count;

    public void Add(ReactorTimer timer)
    {
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

    /// <summary>Milliseconds until the earliest timer, rounded up so the loop never wakes early and spins; -1 if none.</summary>
    public int MillisecondsUntilNext(long now)
    {
        if (_count == 0)
        {
            return -1;
        }
        long ticks = _heap[0].DueTimestamp - now;
        if (ticks <= 0)
        {
            return 0;
        }
        long ms = (ticks * 1000 + Stopwatch.Frequency - 1) / Stopwatch.Frequency;
        return ms > int.MaxValue ? int.MaxValue : (int)ms;
    }

    /// <summary>Fires every timer due at <paramref name="now"/>, re-queueing periodic ones.</summary>
    public void RunDue(long now, Action<Exception> onError)
    {
        while (_count > 0 && _heap[0].DueTimestamp <= now)
        {
            ReactorTimer timer = _heap[0];
            Remove(timer);
            if (timer.PeriodTicks > 0)
            {
                // Schedule from the previous due time, not from now, so a periodic timer does not drift;
                // but never into the past, or a stalled loop would fire a burst of catch-up calls.
                timer.DueTimestamp = Math.Max(timer.DueTimestamp + timer.PeriodTicks, now + 1);
                Add(timer);
            }
            else
            {
                timer.Fired = true;
            }
            try
            {
                timer.Callback(timer.State);
            }
            catch (Exception ex)
            {
                onError(ex);
            }
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
