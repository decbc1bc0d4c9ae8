using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ReactorNet.Benchmarks.BareEcho;

/// <summary>
/// The libc calls of the loop, blittable so the source generator emits no marshalling: each is a
/// direct call plus errno capture (<c>SetLastError</c>), as close to C as .NET gets.
/// </summary>
internal static unsafe partial class Libc
{
    private const string Lib = "libc";

    public const int AF_INET = 2, SOCK_STREAM = 1, SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000;
    public const int SOL_SOCKET = 1, SO_REUSEADDR = 2, IPPROTO_TCP = 6, TCP_NODELAY = 1;
    public const int EPOLL_CLOEXEC = 0x80000, EPOLL_CTL_ADD = 1, EPOLL_CTL_MOD = 3;
    public const uint EPOLLIN = 0x1, EPOLLOUT = 0x4, EPOLLERR = 0x8, EPOLLHUP = 0x10;
    public const int EFD_CLOEXEC = 0x80000, EFD_NONBLOCK = 0x800, O_CLOEXEC = 0x80000;
    public const int MSG_NOSIGNAL = 0x4000; // EPIPE instead of SIGPIPE when the peer is gone
    public const int EINTR = 4, EAGAIN = 11, ENFILE = 23, EMFILE = 24;

    /// <summary>
    /// <c>struct epoll_event</c> is packed on x86-64 (12 bytes, data at offset 4) and naturally
    /// aligned elsewhere (16 bytes, data at 8). Static readonly: the JIT folds them to constants.
    /// </summary>
    public static readonly int EventSize = RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.X86 ? 12 : 16;
    public static readonly int EventDataOffset = EventSize == 12 ? 4 : 8;

    public static uint EventMask(byte* events, int i) => Unsafe.ReadUnaligned<uint>(events + i * EventSize);

    public static int EventFd(byte* events, int i) => (int)Unsafe.ReadUnaligned<ulong>(events + i * EventSize + EventDataOffset);

    public static int Watch(int epfd, int op, int fd, uint mask)
    {
        byte* ev = stackalloc byte[16];
        Unsafe.WriteUnaligned(ev, mask);
        Unsafe.WriteUnaligned(ev + EventDataOffset, (ulong)fd);
        return epoll_ctl(epfd, op, fd, ev);
    }

    public static int Errno => Marshal.GetLastPInvokeError();

    [LibraryImport(Lib, SetLastError = true)] public static partial int epoll_create1(int flags);
    [LibraryImport(Lib, SetLastError = true)] public static partial int epoll_ctl(int epfd, int op, int fd, byte* ev);
    [LibraryImport(Lib, SetLastError = true)] public static partial int epoll_wait(int epfd, byte* events, int max, int timeout);
    [LibraryImport(Lib, SetLastError = true)] public static partial int accept4(int fd, byte* addr, uint* len, int flags);
    [LibraryImport(Lib, SetLastError = true)] public static partial nint recv(int fd, byte* buf, nuint len, int flags);
    [LibraryImport(Lib, SetLastError = true)] public static partial nint send(int fd, byte* buf, nuint len, int flags);
    [LibraryImport(Lib, SetLastError = true)] public static partial int close(int fd);
    [LibraryImport(Lib, SetLastError = true)] public static partial int socket(int domain, int type, int protocol);
    [LibraryImport(Lib, SetLastError = true)] public static partial int bind(int fd, byte* addr, uint len);
    [LibraryImport(Lib, SetLastError = true)] public static partial int listen(int fd, int backlog);
    [LibraryImport(Lib, SetLastError = true)] public static partial int setsockopt(int fd, int level, int name, int* value, uint len);
    [LibraryImport(Lib, SetLastError = true)] public static partial int getsockname(int fd, byte* addr, uint* len);
    [LibraryImport(Lib, SetLastError = true)] public static partial int eventfd(uint initval, int flags);
    [LibraryImport(Lib, SetLastError = true)] public static partial nint write(int fd, byte* buf, nuint len);
    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] public static partial int open(string path, int flags);
}
