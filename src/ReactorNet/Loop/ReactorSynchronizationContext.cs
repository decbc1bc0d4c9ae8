namespace ReactorNet;

/// <summary>
/// The loop thread's <see cref="SynchronizationContext"/>, installed while the loop runs: an
/// <c>await</c> that starts on the loop (in a handler, posted work, a timer) resumes on the loop,
/// its continuation queued like <see cref="Reactor.Post(Action)"/>, as on a UI thread.
/// </summary>
internal sealed class ReactorSynchronizationContext(Reactor reactor) : SynchronizationContext
{
    public Reactor Reactor => reactor;

    /// <summary>Queues <paramref name="d"/> for the loop; after Dispose, see <see cref="Reactor.PostContinuation"/>.</summary>
    public override void Post(SendOrPostCallback d, object? state)
    {
        ArgumentNullException.ThrowIfNull(d);
        reactor.PostContinuation(static s => ((Tuple<SendOrPostCallback, object?>)s!).Item1(((Tuple<SendOrPostCallback, object?>)s!).Item2), Tuple.Create(d, state));
    }

    /// <summary>Runs <paramref name="d"/> at once on the loop thread; refused elsewhere (waiting for the loop could deadlock it).</summary>
    public override void Send(SendOrPostCallback d, object? state)
    {
        ArgumentNullException.ThrowIfNull(d);
        if (!reactor.IsInLoopThread)
        {
            throw new NotSupportedException("Send to a reactor's loop from another thread is not supported: it could wait for ever on a loop that waits for the caller. Use Post.");
        }
        d(state);
    }

    /// <summary>There is one context per loop.</summary>
    public override SynchronizationContext CreateCopy() => this;
}
