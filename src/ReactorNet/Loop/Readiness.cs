namespace ReactorNet;

/// <summary>
/// What the kernel reported for one registration in one <c>epoll_wait</c> round: the
/// <c>EPOLL*</c> bits as they came, several of them at once when several things are true.
/// </summary>
[Flags]
public enum Readiness : uint
{
    /// <summary>Nothing.</summary>
    None = 0,

    /// <summary><c>EPOLLIN</c>: a read will not block (it may return 0 for end of stream).</summary>
    Readable = 0x001,

    /// <summary><c>EPOLLPRI</c>: urgent (out-of-band) data.</summary>
    Priority = 0x002,

    /// <summary><c>EPOLLOUT</c>: a write will not block.</summary>
    Writable = 0x004,

    /// <summary><c>EPOLLERR</c>: an error is pending; for a socket, read it with <c>SO_ERROR</c>.</summary>
    Error = 0x008,

    /// <summary><c>EPOLLHUP</c>: both directions are closed (or a pipe's writer is gone).</summary>
    HangUp = 0x010,

    /// <summary><c>EPOLLRDHUP</c>: the peer sent FIN; it will send no more, but may still read.</summary>
    ReadHangUp = 0x2000,
}
