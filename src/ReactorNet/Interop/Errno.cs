using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace ReactorNet.Interop;

/// <summary>errno values (identical on Linux x86-64 and arm64) and the helpers that raise them.</summary>
internal static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int EBADF = 9;
    public const int EAGAIN = 11;
    public const int ENOMEM = 12;
    public const int EACCES = 13;
    public const int EEXIST = 17;
    public const int EINVAL = 22;
    public const int ENFILE = 23;
    public const int EMFILE = 24;
    public const int EPIPE = 32;
    public const int ENOTSOCK = 88;
    public const int EADDRINUSE = 98;
    public const int EADDRNOTAVAIL = 99;
    public const int ENETUNREACH = 101;
    public const int ECONNABORTED = 103;
    public const int ECONNRESET = 104;
    public const int ENOBUFS = 105;
    public const int ENOTCONN = 107;
    public const int ETIMEDOUT = 110;
    public const int ECONNREFUSED = 111;
    public const int EHOSTUNREACH = 113;
    public const int EINPROGRESS = 115;

    /// <summary>
    /// The errno of the last P/Invoke on this thread. Read it first thing after the call: any
    /// other P/Invoke in between (the runtime makes some lazily, when formatting an address for
    /// the first time for instance) overwrites it.
    /// </summary>
    public static int Last => Marshal.GetLastPInvokeError();

    /// <summary>Throws for the last errno when <paramref name="result"/> is negative; <paramref name="call"/> must be a constant.</summary>
    public static int ThrowIfError(int result, string call) => result < 0 ? throw new SystemCallException(call, Last) : result;

    /// <summary>The <see cref="SocketError"/> that .NET reports for <paramref name="errno"/>, or <see cref="SocketError.SocketError"/>.</summary>
    public static SocketError ToSocketError(int errno) => errno switch
    {
        EPERM or EACCES => SocketError.AccessDenied,
        EINTR => SocketError.Interrupted,
        EAGAIN => SocketError.WouldBlock,
        14 => SocketError.Fault,
        EINVAL => SocketError.InvalidArgument,
        ENFILE or EMFILE => SocketError.TooManyOpenSockets,
        EPIPE => SocketError.Shutdown,
        ENOTSOCK => SocketError.NotSocket,
        89 => SocketError.DestinationAddressRequired,
        90 => SocketError.MessageSize,
        91 => SocketError.ProtocolType,
        92 => SocketError.ProtocolOption,
        93 => SocketError.ProtocolNotSupported,
        94 => SocketError.SocketNotSupported,
        95 => SocketError.OperationNotSupported,
        96 => SocketError.ProtocolFamilyNotSupported,
        97 => SocketError.AddressFamilyNotSupported,
        EADDRINUSE => SocketError.AddressAlreadyInUse,
        EADDRNOTAVAIL => SocketError.AddressNotAvailable,
        100 => SocketError.NetworkDown,
        ENETUNREACH => SocketError.NetworkUnreachable,
        102 => SocketError.NetworkReset,
        ECONNABORTED => SocketError.ConnectionAborted,
        ECONNRESET => SocketError.ConnectionReset,
        ENOBUFS or ENOMEM => SocketError.NoBufferSpaceAvailable,
        106 => SocketError.IsConnected,
        ENOTCONN => SocketError.NotConnected,
        ETIMEDOUT => SocketError.TimedOut,
        ECONNREFUSED => SocketError.ConnectionRefused,
        112 => SocketError.HostDown,
        EHOSTUNREACH => SocketError.HostUnreachable,
        114 => SocketError.AlreadyInProgress,
        EINPROGRESS => SocketError.InProgress,
        125 => SocketError.OperationAborted,
        _ => SocketError.SocketError,
    };

    /// <summary>The symbolic name of an errno value, such as <c>EBADF</c>.</summary>
    public static string Name(int errno) => errno switch
    {
        EPERM => "EPERM",
        ENOENT => "ENOENT",
        EINTR => "EINTR",
        5 => "EIO",
        EBADF => "EBADF",
        EAGAIN => "EAGAIN",
        ENOMEM => "ENOMEM",
        EACCES => "EACCES",
        14 => "EFAULT",
        16 => "EBUSY",
        EEXIST => "EEXIST",
        EINVAL => "EINVAL",
        ENFILE => "ENFILE",
        EMFILE => "EMFILE",
        28 => "ENOSPC",
        EPIPE => "EPIPE",
        36 => "ENAMETOOLONG",
        40 => "ELOOP",
        ENOTSOCK => "ENOTSOCK",
        89 => "EDESTADDRREQ",
        90 => "EMSGSIZE",
        91 => "EPROTOTYPE",
        92 => "ENOPROTOOPT",
        93 => "EPROTONOSUPPORT",
        95 => "EOPNOTSUPP",
        97 => "EAFNOSUPPORT",
        EADDRINUSE => "EADDRINUSE",
        EADDRNOTAVAIL => "EADDRNOTAVAIL",
        100 => "ENETDOWN",
        ENETUNREACH => "ENETUNREACH",
        ECONNABORTED => "ECONNABORTED",
        ECONNRESET => "ECONNRESET",
        ENOBUFS => "ENOBUFS",
        106 => "EISCONN",
        ENOTCONN => "ENOTCONN",
        ETIMEDOUT => "ETIMEDOUT",
        ECONNREFUSED => "ECONNREFUSED",
        EHOSTUNREACH => "EHOSTUNREACH",
        114 => "EALREADY",
        EINPROGRESS => "EINPROGRESS",
        _ => "errno " + errno,
    };
}
