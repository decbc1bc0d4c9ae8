namespace ReactorNet;

/// <summary>
/// A registration's handler that must hear of the reactor's end: <see cref="Reactor.Dispose"/>
/// calls it on the loop (or disposing) thread after the last queued work ran, so that connections
/// report <c>CloseReason.Shutdown</c>, connects fail and listeners release their descriptors
/// instead of being dropped silently with the epoll instance.
/// </summary>
internal interface IReactorShutdownHandler
{
    /// <summary>
    /// Closes what the handler owns. It may unregister itself (and so close its descriptor); it
    /// must not post work (the queue is closed) and it runs once.
    /// </summary>
    void OnReactorShutdown();
}
