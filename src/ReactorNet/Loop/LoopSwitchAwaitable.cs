using System.Runtime.CompilerServices;

namespace ReactorNet;

/// <summary>
/// What <see cref="Reactor.SwitchTo"/> returns: <c>await reactor.SwitchTo();</c> continues on the
/// reactor's loop thread. It is its own awaiter.
/// </summary>
public readonly struct LoopSwitchAwaitable : ICriticalNotifyCompletion
{
    private readonly Reactor? _reactor;

    internal LoopSwitchAwaitable(Reactor reactor) => _reactor = reactor;

    /// <summary>Whether the caller is already on the loop thread: then the await continues at once, without a round trip through the queue.</summary>
    public bool IsCompleted => Reactor.IsInLoopThread;

    /// <summary>Returns this awaitable, which is also the awaiter.</summary>
    /// <returns>This value.</returns>
    public LoopSwitchAwaitable GetAwaiter() => this;

    /// <summary>Ends the await, on the loop thread.</summary>
    /// <exception cref="ObjectDisposedException">The reactor was disposed before the continuation could reach its loop.</exception>
    public void GetResult()
    {
        // Every continuation that reached the queue runs on a thread that owns the loop (the loop,
        // or the thread running the queue while none runs, or the disposing thread): anywhere else
        // it was turned away by a closed queue.
        if (!Reactor.IsInLoopThread)
        {
            throw new ObjectDisposedException(nameof(ReactorNet.Reactor), "The reactor was disposed before the await could continue on its loop.");
        }
    }

    /// <summary>Queues <paramref name="continuation"/> for the loop, flowing the caller's <see cref="ExecutionContext"/>.</summary>
    /// <param name="continuation">What follows the await.</param>
    public void OnCompleted(Action continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        ExecutionContext? context = ExecutionContext.Capture();
        if (context is null)
        {
            UnsafeOnCompleted(continuation);
            return;
        }
        UnsafeOnCompleted(() => ExecutionContext.Run(context, static c => ((Action)c!)(), continuation));
    }

    /// <summary>Queues <paramref name="continuation"/> for the loop (the async method builders flow the context themselves).</summary>
    /// <param name="continuation">What follows the await.</param>
    public void UnsafeOnCompleted(Action continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        Reactor.PostContinuation(static c => ((Action)c!)(), continuation);
    }

    private Reactor Reactor => _reactor ?? throw new InvalidOperationException("This awaitable is default: it belongs to no reactor. Use Reactor.SwitchTo().");
}
