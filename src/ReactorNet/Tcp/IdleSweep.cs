namespace ReactorNet.Tcp;

/// <summary>
/// A loop's connections that have an idle timeout, checked by one timer for them all instead of a
/// timer each (a <see cref="ReactorTimer"/> and its heap slot are about 80 bytes per connection,
/// 0.8 MB at 10,000). The timer wakes at the earliest deadline it knows of; activity does not touch
/// it (that would cost work per read): a connection whose deadline moved is found alive at the
/// sweep, which then waits for the earliest deadline still ahead. A connection is closed at its
/// deadline or up to <see cref="MinInterval"/> later, never before. Loop thread only.
/// </summary>
internal sealed class IdleSweep
{
    /// <summary>Sweeps are at least this far apart, so connections going idle one after another cost one scan per interval, not one per connection.</summary>
    internal static readonly long MinInterval = System.Diagnostics.Stopwatch.Frequency / 100; // 10 ms

    private readonly ConnectionTable<TcpConnection.IdleSlot> _tracked = new();
    private ReactorTimer? _timer;
    private long _timerDue = long.MaxValue; // when the timer fires; MaxValue while none is armed

    /// <summary>Starts watching a connection (its index in the table is kept in the connection).</summary>
    public void Track(TcpConnection connection)
    {
        _tracked.Add(connection);
        ArmBy(connection.Reactor, connection.IdleDeadline);
    }

    /// <summary>Stops watching a connection (it closed); the last one takes its place.</summary>
    public void Untrack(TcpConnection connection)
    {
        _tracked.Remove(connection);
        if (_tracked.Count == 0 && _timer is not null)
        {
            _timer.Cancel();
            _timer = null;
            _timerDue = long.MaxValue;
        }
    }

    private void ArmBy(Reactor reactor, long deadline)
    {
        if (deadline >= _timerDue)
        {
            return;
        }
        _timerDue = deadline;
        var due = TimeSpan.FromSeconds(Math.Max(0, deadline - System.Diagnostics.Stopwatch.GetTimestamp()) / (double)System.Diagnostics.Stopwatch.Frequency);
        if (_timer is null)
        {
            _timer = reactor.Schedule(due, static s => s.Sweep(), this);
        }
        else
        {
            reactor.Reschedule(_timer, due);
        }
    }

    private void Sweep()
    {
        if (_tracked.Count == 0)
        {
            return;
        }
        Reactor reactor = _tracked[0].Reactor;
        _timerDue = long.MaxValue;
        long now = reactor.LoopTimestamp;
        long next = now; // if the scan ends early (a close failed), the rest waits one interval
        try
        {
            next = Scan(now);
        }
        finally
        {
            if (next != long.MaxValue && _tracked.Count > 0)
            {
                ArmBy(reactor, Math.Max(next, now + MinInterval));
            }
        }
    }

    /// <summary>Closes the connections whose deadline passed; returns the earliest deadline still ahead.</summary>
    private long Scan(long now)
    {
        long next = long.MaxValue;
        // Backwards: a connection closing here takes the last one into its slot, one already seen.
        // Another connection closed by a handler meanwhile moves the last one likewise; one opened
        // meanwhile is appended beyond the scan and arms the timer itself.
        for (int i = _tracked.Count - 1; i >= 0; i--)
        {
            if (i >= _tracked.Count)
            {
                continue; // a handler closed several at once: what moved here was seen already
            }
            TcpConnection connection = _tracked[i];
            long deadline = connection.IdleDeadline;
            if (deadline <= now)
            {
                connection.OnIdleDeadline();
            }
            else if (deadline < next)
            {
                next = deadline;
            }
        }
        return next;
    }
}
