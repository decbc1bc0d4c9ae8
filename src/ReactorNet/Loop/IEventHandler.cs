namespace ReactorNet;

/// <summary>
/// Receives readiness for a file descriptor registered with <see cref="Reactor.Register"/>.
/// </summary>
/// <remarks>
/// <para>
/// One method with an event mask rather than one method per event, on purpose: epoll reports
/// several conditions at once (readable and hung up, say), and the order in which a handler
/// deals with them matters — read what is left before acting on the hang-up, or data is lost.
/// A mask leaves that order to the handler and costs one interface call per event.
/// </para>
/// <para>
/// Threading: <see cref="OnEvent"/> runs on the reactor's loop thread only, never concurrently
/// with itself or with any other callback of the same reactor. It must not block. If it throws,
/// the reactor logs the exception, removes the registration (closing the descriptor if the
/// registration owns it) and goes on serving every other registration.
/// </para>
/// </remarks>
public interface IEventHandler
{
    /// <summary>Called on the loop thread when <paramref name="registration"/> is ready.</summary>
    /// <param name="registration">The registration the event belongs to (never a stale one).</param>
    /// <param name="readiness">The conditions the kernel reported.</param>
    void OnEvent(Registration registration, Readiness readiness);
}
