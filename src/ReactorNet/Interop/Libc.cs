using System.Runtime.InteropServices;

namespace ReactorNet.Interop;

/// <summary>
/// The raw libc entry points the library uses, and nothing else. Every call that can fail sets
/// errno (<c>SetLastError = true</c>); callers turn a failure into a
/// <see cref="SystemCallException"/> through <see cref="Errno"/>. All signatures are blittable so
/// the source generator emits no marshalling code: safe for trimming and native AOT.
/// </summary>
internal static unsafe partial class Libc
{
    private const string Lib = "libc";

    // Flags from the C headers; several are octal there (O_CLOEXEC is 02000000 = 0x80000).
    public const int EPOLL_CLOEXEC = 0x80000;
    public const int EPOLL_CTL_ADD = 1;
    public const int EPOLL_CTL_DEL = 2;
    public const int EPOLL_CTL_MOD = 3;

    public const int EFD_CLOEXEC = 0x80000;
    public const int EFD_NONBLOCK = 0x800;
    public const int O_NONBLOCK = 0x800;
    public const int O_CLOEXEC = 0x80000;
    public const int O_RDONLY = 0;

    public const int AF_UNIX = 1;
    public const int AF_INET = 2;
    public const int AF_INET6 = 10;
    public const int SOCK_STREAM = 1;
    public const int SOCK_NONBLOCK = 0x800;
    public const int SOCK_CLOEXEC = 0x80000;

    public const int SOL_SOCKET = 1;
    public const int SO_REUSEADDR = 2;
    public const int SO_ERROR = 4;
    public const int SO_SNDBUF = 7;
    public const int SO_RCVBUF = 8;
    public const int SO_LINGER = 13;
    public const int SO_REUSEPORT = 15;
    public const int IPPROTO_TCP = 6;
    public const int IPPROTO_IPV6 = 41;
    public const int TCP_NODELAY = 1;
    public const int IPV6_V6ONLY = 26;
    public const int SOMAXCONN = 4096;

    public const int SHUT_RD = 0;
    public const int SHUT_WR = 1;
    public const int SHUT_RDWR = 2;

    /// <summary>Never raise SIGPIPE on a socket the peer reset; get EPIPE instead.</summary>
    public const int MSG_NOSIGNAL = 0x4000;

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int epoll_create1(int flags);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int epoll_ctl(int epfd, int op, int fd, byte* ev);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int epoll_wait(int epfd, byte* events, int maxevents, int timeout);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int eventfd(uint initval, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int pipe2(int* fds, int flags);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int unlink(string path);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint read(int fd, byte* buf, nint count);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint write(int fd, byte* buf, nint count);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int socket(int domain, int type, int protocol);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int setsockopt(int fd, int level, int optname, void* optval, uint optlen);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int getsockopt(int fd, int level, int optname, void* optval, uint* optlen);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int bind(int fd, byte* addr, uint addrlen);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int listen(int fd, int backlog);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int accept4(int fd, byte* addr, uint* addrlen, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int connect(int fd, byte* addr, uint addrlen);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int getsockname(int fd, byte* addr, uint* addrlen);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int getpeername(int fd, byte* addr, uint* addrlen);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int shutdown(int fd, int how);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint recv(int fd, byte* buf, nint len, int flags);

    /// <summary>Gathers like <c>writev</c>, but takes flags: the queued-output path needs MSG_NOSIGNAL too.</summary>
    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint sendmsg(int fd, MsgHdr* msg, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int getrlimit(int resource, RLimit* rlim);

    public const int RLIMIT_NOFILE = 7;

    /// <summary><c>struct iovec</c>: the same layout on every 64-bit Linux.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public byte* Base;
        public nuint Length;
    }

    /// <summary><c>struct msghdr</c> (glibc, 64-bit: 56 bytes; the lengths are <c>size_t</c>, padding is implicit).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    /// <summary><c>struct rlimit</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    /// <summary><c>struct linger</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Linger
    {
        public int OnOff;
        public int Seconds;
    }
}
