using System.Net;

namespace ReactorNet.Interop;

/// <summary>Socket system calls wrapped for the transport: errno becomes <see cref="SystemCallException"/>.</summary>
internal static unsafe class Sockets
{
    /// <summary>A non-blocking, close-on-exec stream socket for <paramref name="endPoint"/>'s family.</summary>
    public static int Create(EndPoint endPoint) =>
        Errno.ThrowIfError(Libc.socket(SockAddr.Family(endPoint), Libc.SOCK_STREAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, 0), "socket");

    public static void SetInt(int fd, int level, int option, int value, string name)
    {
        if (Libc.setsockopt(fd, level, option, &value, sizeof(int)) < 0)
        {
            int errno = Errno.Last; // before the message is built
            throw new SystemCallException("setsockopt(" + name + ")", errno);
        }
    }

    public static int GetInt(int fd, int level, int option, string name)
    {
        int value = 0;
        uint length = sizeof(int);
        if (Libc.getsockopt(fd, level, option, &value, &length) < 0)
        {
            int errno = Errno.Last; // before the message is built
            throw new SystemCallException("getsockopt(" + name + ")", errno);
        }
        return value;
    }

    /// <summary>The pending error of a socket (and clears it): how a failed connect or an EPOLLERR is explained.</summary>
    public static int TakeError(int fd)
    {
        int value = 0;
        uint length = sizeof(int);
        return Libc.getsockopt(fd, Libc.SOL_SOCKET, Libc.SO_ERROR, &value, &length) < 0 ? Errno.Last : value;
    }

    /// <summary>TCP_NODELAY: send small writes at once instead of waiting (Nagle) for an ACK. Not applicable to Unix sockets.</summary>
    public static void SetNoDelay(int fd)
    {
        int one = 1;
        Libc.setsockopt(fd, Libc.IPPROTO_TCP, Libc.TCP_NODELAY, &one, sizeof(int));
    }

    /// <summary>SO_LINGER {on, 0}: the next close() sends RST instead of FIN and discards unsent data.</summary>
    public static void SetLingerZero(int fd)
    {
        var linger = new Libc.Linger { OnOff = 1, Seconds = 0 };
        Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_LINGER, &linger, (uint)sizeof(Libc.Linger));
    }

    public static void Bind(int fd, EndPoint endPoint)
    {
        byte* addr = stackalloc byte[SockAddr.MaxSize];
        uint length = SockAddr.Write(endPoint, addr);
        if (Libc.bind(fd, addr, length) < 0)
        {
            // errno first: formatting the address may itself P/Invoke (the first time in a process
            // it does) and overwrite it, which made the first bind failure say "errno 203".
            int errno = Errno.Last;
            throw new SystemCallException($"bind({endPoint})", errno);
        }
    }

    /// <summary>
    /// Starts a non-blocking connect: true if it completed at once, false if in progress (EINPROGRESS).
    /// EAGAIN is a failure, never "in progress": for a Unix socket it means the listener's backlog
    /// is full (the socket stays unconnected and would report EPOLLOUT at once); for TCP, no free local port.
    /// </summary>
    public static bool StartConnect(int fd, EndPoint endPoint)
    {
        byte* addr = stackalloc byte[SockAddr.MaxSize];
        uint length = SockAddr.Write(endPoint, addr);
        while (Libc.connect(fd, addr, length) < 0)
        {
            int errno = Errno.Last;
            if (errno == Errno.EINPROGRESS)
            {
                return false;
            }
            if (errno != Errno.EINTR)
            {
                throw new SystemCallException($"connect({endPoint})", errno);
            }
        }
        return true;
    }

    /// <summary><c>getsockname</c>: only while the caller certainly owns <paramref name="fd"/> (a closed number may be someone else's).</summary>
    public static EndPoint? LocalEndPoint(int fd)
    {
        byte* addr = stackalloc byte[SockAddr.MaxSize];
        uint length = SockAddr.MaxSize;
        return Libc.getsockname(fd, addr, &length) < 0 ? null : SockAddr.Read(addr, length);
    }
}
