using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ReactorNet.Interop;

/// <summary>
/// The filesystem entry a Unix-socket listener created by binding: its path and identity (device
/// and inode), recorded right after <c>bind</c>. <see cref="Remove"/> unlinks the path only if it
/// still names that same file; once another process removed it and bound its own socket there,
/// the file is theirs and stays.
/// </summary>
internal sealed unsafe partial class SocketFile
{
    private const int AT_FDCWD = -100;
    private const int AT_SYMLINK_NOFOLLOW = 0x100;
    private const uint STATX_TYPE = 0x1;
    private const uint STATX_INO = 0x100;
    private const int S_IFMT = 0xF000;
    private const int S_IFSOCK = 0xC000;

    private readonly string _path;
    private readonly FileId _id;

    private SocketFile(string path, FileId id)
    {
        _path = path;
        _id = id;
    }

    /// <summary>Records the socket file at <paramref name="path"/>; null if it cannot be identified (then it is never unlinked).</summary>
    public static SocketFile? Record(string path) => TryIdentify(path, out FileId id) ? new SocketFile(path, id) : null;

    /// <summary>
    /// Records the file a listener just bound at the Unix-socket <paramref name="endPoint"/>; null
    /// for an abstract name (no file) or a file that cannot be identified.
    /// </summary>
    // Not inlined: the endpoint type lives in System.Net.Sockets, which a server on an IP endpoint
    // then never loads (its touched pages cost resident memory in every JIT process: issue #10).
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static SocketFile? RecordBound(EndPoint endPoint) =>
        endPoint is UnixDomainSocketEndPoint unix && !UnixSockAddr.IsAbstract(unix) ? Record(unix.ToString()) : null;

    /// <summary>
    /// Unlinks the path if it is still the socket recorded. (Between the check and the unlink the
    /// path could still be replaced; the filesystem offers no compare-and-unlink.)
    /// </summary>
    public void Remove()
    {
        if (TryIdentify(_path, out FileId now) && now == _id)
        {
            Libc.unlink(_path);
        }
    }

    private readonly record struct FileId(uint DevMajor, uint DevMinor, ulong Inode);

    private static bool TryIdentify(string path, out FileId id)
    {
        // statx has one layout on every architecture (struct stat differs between x64 and arm64).
        byte* buffer = stackalloc byte[256];
        id = default;
        try
        {
            if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_INO, buffer) < 0)
            {
                return false;
            }
        }
        catch (EntryPointNotFoundException)
        {
            return false; // a C library older than statx (glibc < 2.28): the file cannot be identified, so it is never unlinked
        }
        int mode = *(ushort*)(buffer + 28);
        if ((mode & S_IFMT) != S_IFSOCK)
        {
            return false;
        }
        id = new FileId(*(uint*)(buffer + 136), *(uint*)(buffer + 140), *(ulong*)(buffer + 32));
        return true;
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int dirfd, string path, int flags, uint mask, byte* buffer);
}
