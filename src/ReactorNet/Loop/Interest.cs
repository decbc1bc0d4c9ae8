namespace ReactorNet;

/// <summary>
/// What a registration wants to hear about. The values are the kernel's <c>EPOLL*</c> bits, so
/// passing them to <c>epoll_ctl</c> is a cast. Errors and hang-ups are always reported by the
/// kernel and need no interest.
/// </summary>
[Flags]
public enum Interest : uint
{
    /// <summary>Only errors and hang-ups.</summary>
    None = 0,

    /// <summary>Data (or a pending connection, or end of stream) can be read: <c>EPOLLIN</c>.</summary>
    Readable = 0x001,

    /// <summary>Output space is available: <c>EPOLLOUT</c>. Arm it only while output is pending; a socket is writable almost always.</summary>
    Writable = 0x004,

    /// <summary>The peer shut down its sending side (sent FIN): <c>EPOLLRDHUP</c>.</summary>
    ReadHangUp = 0x2000,

    /// <summary>
    /// One event per registration, then disarmed until <see cref="Reactor.Modify"/> re-arms it:
    /// <c>EPOLLONESHOT</c>.
    /// </summary>
    OneShot = 1u << 30,

    /// <summary>
    /// Report only changes of state (<c>EPOLLET</c>): the handler must read or write until
    /// EAGAIN, or it will not be told again.
    /// </summary>
    EdgeTriggered = 1u << 31,
}
