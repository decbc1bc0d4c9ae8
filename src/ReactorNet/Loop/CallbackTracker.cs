using System.Runtime.CompilerServices;

namespace ReactorNet;

/// <summary>
/// What the loop thread is doing, for the stall watchdog: before each callback the loop bumps a
/// sequence number and writes the callback's owner (two field writes, no lock, no allocation);
/// before it sleeps in <c>epoll_wait</c> it clears the owner. The watchdog, on a thread of its own, reads
/// both: the same sequence number with an owner on two of its ticks means one callback has held
/// the loop at least as long as the ticks are apart.
/// </summary>
internal sealed class CallbackTracker
{
    /// <summary>The object whose callback runs (a handler, a connection, a posted delegate or its state); null while idle.</summary>
    public object? Current;

    /// <summary>Incremented before each callback; written by the loop thread only.</summary>
    public long Sequence;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Enter(object? owner)
    {
        // The number first, then the owner with a release write (a plain store on x64): a watchdog
        // that sees this owner sees this number too, and one that reads the number again after the
        // owner knows whether the loop moved on meanwhile (Reactor.CheckStall).
        Sequence++;
        Volatile.Write(ref Current, owner);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Idle() => Current = null;

    /// <summary>The type to name in a stall warning: the application's handler where the library knows it.</summary>
    public static string Describe(object owner) => owner switch
    {
        IHandlerOwner wrapper => wrapper.HandlerType.FullName ?? wrapper.HandlerType.Name,
        Delegate d => (d.Target?.GetType() ?? d.GetType()).FullName ?? "delegate",
        _ => owner.GetType().FullName ?? owner.GetType().Name,
    };
}

/// <summary>A library object whose callbacks run the application's handler (a TCP connection): stalls name the handler.</summary>
internal interface IHandlerOwner
{
    Type HandlerType { get; }
}
