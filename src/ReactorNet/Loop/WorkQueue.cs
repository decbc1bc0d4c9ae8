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
    private Queue<Item> _pending = new();
    private Queue<Item> _running = new();
    private volatile int _count;

    public bool HasWork => _count != 0;

    public void Enqueue(Item item)
    {
        lock (_lock)
        {
            _pending.Enqueue(item);
            _count++;
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
        lock (_lock)
        {
            batch = _pending;
            _pending = _running;
            _running = batch;
            _count = 0;
        }
        while (batch.TryDequeue(out Item item))
        {
            try
            {
                item.Callback(item.State);
            }
            catch (Exception ex)
            {
                onError(ex);
            }
        }
    }
}
