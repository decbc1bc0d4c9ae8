namespace ReactorNet;

/// <summary>
/// Work posted to the loop from any thread. Producers append under a short lock; the loop swaps
/// the whole list out and runs it outside the lock (muduo's pendingFunctors), so a callback that
/// posts more work neither deadlocks nor starves the loop: the new item runs in the next round.
/// Order is FIFO across all producers. Steady state allocates nothing: the two queues are reused.
/// </summary>
internal sealed class WorkQueue
{
    internal readonly record struct Item(Action<object?> Callback, object? State);

    private readonly object _lock = new();
    private readonly CallbackTracker _tracker;
    private Queue<Item> _pending = new();
    private Queue<Item> _running = new();
    private volatile int _count;
    private bool _closed;

    /// <summary>A drained batch larger than this gives its memory back (a burst must not pin its peak for ever).</summary>
    internal const int ShrinkAbove = 1024;

    /// <param name="tracker">Where the loop records which callback runs (the stall watchdog reads it).</param>
    public WorkQueue(CallbackTracker? tracker = null) => _tracker = tracker ?? new CallbackTracker();

    public bool HasWork => _count != 0;

    /// <summary>Items posted and not yet taken by the loop (read without the lock: a metric).</summary>
    public int Count => _count;

    /// <summary>The slots both queues hold, used or not (for tests).</summary>
    internal int Capacity
    {
        get
        {
            lock (_lock)
            {
                return _pending.EnsureCapacity(0) + _running.EnsureCapacity(0);
            }
        }
    }

    /// <summary>Queues <paramref name="item"/>; false once the queue is closed (the reactor is disposed).</summary>
    public bool TryEnqueue(Item item)
    {
        lock (_lock)
        {
            if (_closed)
            {
                return false;
            }
            _pending.Enqueue(item);
            _count++;
            return true;
        }
    }

    /// <summary>
    /// Closes the queue if it is empty, so that every item ever accepted is run by the caller's
    /// last <see cref="RunAll"/>: false means more work arrived, run it and try again.
    /// </summary>
    public bool TryClose()
    {
        lock (_lock)
        {
            _closed = _count == 0;
            return _closed;
        }
    }

    /// <summary>Runs everything queued so far; <paramref name="onError"/> sees each callback's exception.</summary>
    public void RunAll(Action<Exception> onError)
    {
        if (_count == 0)
        {
            return;
        }
        Queue<Item> batch;
        int size;
        lock (_lock)
        {
            batch = _pending;
            _pending = _running;
            _running = batch;
            size = _count;
            _count = 0;
        }
        while (batch.TryDequeue(out Item item))
        {
            _tracker.Enter(item.State ?? item.Callback);
            try
            {
                item.Callback(item.State);
            }
            catch (Exception ex)
            {
                onError(ex);
            }
        }
        if (size > ShrinkAbove)
        {
            // Only the loop touches the batch queue (producers fill the other one): no lock needed.
            // A queue only grows while it holds a batch bigger than half its capacity, so every
            // queue that grew past 2 x ShrinkAbove is trimmed right after that batch.
            batch.TrimExcess();
        }
    }
}
