using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using static ReactorNet.Benchmarks.BareEcho.Libc;

namespace ReactorNet.Benchmarks.BareEcho;

/// <summary>
/// <c>BareEcho [--host 127.0.0.1] [--port 3267]</c>: benchmarks/native/echo_server.c line for line
/// in C# — one thread, level-triggered epoll, per readable event one recv and one send of what was
/// read; what the socket does not take is kept and the connection waits for EPOLLOUT only (not
/// reading meanwhile bounds the buffer). Prints <c>listening on HOST:PORT</c>; SIGINT/SIGTERM stop it.
/// </summary>
internal static unsafe class Program
{
    private const int MaxEvents = 256;
    private const int ReadBufferSize = 64 * 1024;

    private static int s_epfd;
    private static int s_spareFd;
    private static byte[]?[] s_pending = new byte[]?[1024]; // unsent output, indexed by fd
    private static int[] s_pendingOffset = new int[1024];

    private static int Main(string[] args)
    {
        IPAddress host = IPAddress.Loopback;
        int port = 3267;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--host" && i + 1 < args.Length && IPAddress.TryParse(args[i + 1], out IPAddress? h) && h.AddressFamily == AddressFamily.InterNetwork)
            {
                host = h;
                i++;
            }
            else if (args[i] == "--port" && i + 1 < args.Length && int.TryParse(args[i + 1], out int p) && p is >= 0 and <= 65535)
            {
                port = p;
                i++;
            }
            else
            {
                Console.Error.WriteLine("usage: BareEcho [--host IPV4-ADDRESS] [--port 0-65535]");
                return args[i] == "--help" ? 0 : 2;
            }
        }

        // The runtime has already raised the descriptor soft limit to the hard one at start-up.
        int lfd = Listen(host, ref port);
        if (lfd < 0)
        {
            Console.Error.WriteLine($"BareEcho: cannot listen on {host}:{port}: {Marshal.GetPInvokeErrorMessage(-lfd)}");
            return 1;
        }
        s_epfd = epoll_create1(EPOLL_CLOEXEC);
        // The runtime owns signal handling; its handler runs on another thread, so the loop is
        // woken through an eventfd in its own epoll set rather than by EINTR.
        int stopFd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        Watch(s_epfd, EPOLL_CTL_ADD, lfd, EPOLLIN);
        Watch(s_epfd, EPOLL_CTL_ADD, stopFd, EPOLLIN);
        s_spareFd = open("/dev/null", O_CLOEXEC);
        using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => Stop(c, stopFd));
        using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => Stop(c, stopFd));
        Console.WriteLine($"listening on {host}:{port}");
        Run(lfd, stopFd);
        return 0;
    }

    private static void Stop(PosixSignalContext context, int stopFd)
    {
        context.Cancel = true; // the loop ends by itself, Main returns
        ulong one = 1;
        write(stopFd, (byte*)&one, sizeof(ulong));
    }

    private static void Run(int lfd, int stopFd)
    {
        byte* events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * EventSize));
        byte* buffer = (byte*)NativeMemory.Alloc(ReadBufferSize);
        while (true)
        {
            int n = epoll_wait(s_epfd, events, MaxEvents, -1);
            for (int i = 0; i < n; i++)
            {
                int fd = EventFd(events, i);
                uint mask = EventMask(events, i);
                // An event queued for an fd that an earlier event of this batch closed (and accept
                // may have reused) finds nothing to read or send: harmless with level triggering.
                if (fd == lfd)
                {
                    Accept(lfd);
                }
                else if (fd == stopFd)
                {
                    return;
                }
                else if (fd < s_pending.Length && s_pending[fd] is not null)
                {
                    OnWritable(fd); // also sees EPOLLERR/EPOLLHUP: send fails and the fd is dropped
                }
                else if ((mask & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0)
                {
                    OnReadable(fd, buffer);
                }
            }
        }
    }

    private static void OnReadable(int fd, byte* buffer)
    {
        nint n = recv(fd, buffer, ReadBufferSize, 0);
        if (n <= 0)
        {
            if (n == 0 || Errno is not (EAGAIN or EINTR))
            {
                Drop(fd);
            }
            return; // EAGAIN: level-triggered, whatever is left is reported again
        }
        nint sent = send(fd, buffer, (nuint)n, MSG_NOSIGNAL);
        if (sent < 0)
        {
            if (Errno != EAGAIN)
            {
                Drop(fd);
                return;
            }
            sent = 0;
        }
        if (sent == n)
        {
            return;
        }
        if (fd >= s_pending.Length)
        {
            int size = Math.Max(fd + 1, s_pending.Length * 2);
            Array.Resize(ref s_pending, size);
            Array.Resize(ref s_pendingOffset, size);
        }
        s_pending[fd] = new ReadOnlySpan<byte>(buffer + sent, (int)(n - sent)).ToArray();
        s_pendingOffset[fd] = 0;
        Watch(s_epfd, EPOLL_CTL_MOD, fd, EPOLLOUT);
    }

    private static void OnWritable(int fd)
    {
        byte[] data = s_pending[fd]!;
        int offset = s_pendingOffset[fd];
        nint sent;
        fixed (byte* p = data)
        {
            sent = send(fd, p + offset, (nuint)(data.Length - offset), MSG_NOSIGNAL);
        }
        if (sent < 0)
        {
            if (Errno is not (EAGAIN or EINTR))
            {
                Drop(fd);
            }
            return;
        }
        s_pendingOffset[fd] = offset + (int)sent;
        if (s_pendingOffset[fd] == data.Length)
        {
            s_pending[fd] = null;
            Watch(s_epfd, EPOLL_CTL_MOD, fd, EPOLLIN);
        }
    }

    private static void Drop(int fd)
    {
        if (fd < s_pending.Length)
        {
            s_pending[fd] = null;
        }
        close(fd); // the only reference to the socket: closing it also leaves the epoll set
    }

    // Accepts until the queue is empty. At the descriptor limit, the spare descriptor is given up
    // to accept and close the waiting connections: left queued they would keep the
    // level-triggered listener readable and the loop spinning.
    private static void Accept(int lfd)
    {
        while (true)
        {
            int fd = accept4(lfd, null, null, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0)
            {
                int errno = Errno;
                if (errno is EMFILE or ENFILE && s_spareFd >= 0)
                {
                    close(s_spareFd);
                    while ((fd = accept4(lfd, null, null, SOCK_CLOEXEC)) >= 0)
                    {
                        close(fd);
                    }
                    s_spareFd = open("/dev/null", O_CLOEXEC);
                    Console.Error.WriteLine("BareEcho: out of descriptors, connections refused");
                }
                return; // EAGAIN: drained; ECONNABORTED and the like: the next event retries
            }
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(int));
            if (Watch(s_epfd, EPOLL_CTL_ADD, fd, EPOLLIN) != 0)
            {
                close(fd);
            }
        }
    }

    /// <summary>A non-blocking listener on host:port (port 0: the kernel's choice, written back); -errno on failure.</summary>
    private static int Listen(IPAddress host, ref int port)
    {
        // struct sockaddr_in: family (host order), port and address (network order), 8 zero bytes.
        byte* addr = stackalloc byte[16];
        new Span<byte>(addr, 16).Clear();
        *(ushort*)addr = AF_INET;
        addr[2] = (byte)(port >> 8);
        addr[3] = (byte)port;
        host.TryWriteBytes(new Span<byte>(addr + 4, 4), out _);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        int one = 1;
        if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(int)) != 0
            || bind(fd, addr, 16) != 0 || listen(fd, 4096) != 0)
        {
            return -Errno;
        }
        uint len = 16;
        getsockname(fd, addr, &len);
        port = (addr[2] << 8) | addr[3];
        return fd;
    }
}
