using System.Net.Sockets;
using System.Runtime.InteropServices;
using ReactorNet.Interop;

namespace ReactorNet;

/// <summary>
/// A Linux system call failed. A <see cref="SocketException"/>, so code written for
/// System.Net.Sockets catches it and can switch on <see cref="SocketException.SocketErrorCode"/>;
/// the message names the call and the errno, as in
/// <c>bind(127.0.0.1:80) failed: EACCES (Permission denied)</c>.
/// </summary>
/// <remarks>
/// <see cref="SocketException.SocketErrorCode"/> is the <see cref="SocketError"/> that .NET itself
/// reports for the errno (EADDRINUSE: <see cref="SocketError.AddressAlreadyInUse"/>, ECONNREFUSED:
/// <see cref="SocketError.ConnectionRefused"/>, EMFILE: <see cref="SocketError.TooManyOpenSockets"/>, ...),
/// or <see cref="SocketError.SocketError"/> for an errno with no socket meaning (EBADF, EEXIST, ...).
/// <see cref="System.ComponentModel.Win32Exception.NativeErrorCode"/> is the errno whenever .NET
/// maps that <see cref="SocketError"/> back to the same errno (every error a socket call reports in
/// practice); <see cref="ErrorNumber"/> and <see cref="ErrorCode"/> are always the errno.
/// </remarks>
public sealed class SystemCallException : SocketException
{
    private string? _message;

    /// <summary>Creates the exception for <paramref name="call"/> failing with <paramref name="errno"/>.</summary>
    /// <param name="call">The system call, such as <c>bind(127.0.0.1:80)</c>.</param>
    /// <param name="errno">The errno value it set, read right after the call.</param>
    public SystemCallException(string call, int errno)
        // The (code, message) base constructor: the (code) one asks strerror for a message string at
        // once. Connections that end in ECONNRESET create one of these each, so a reset storm of 10,000
        // clients would otherwise make three strings per connection nobody may ever read.
        : base((int)Errno.ToSocketError(errno), message: null)
    {
        ArgumentNullException.ThrowIfNull(call);
        Call = call;
        ErrorNumber = errno;
        ErrorName = Errno.Name(errno);
        HResult = errno;
    }

    /// <summary>The system call that failed, such as <c>bind(127.0.0.1:80)</c>.</summary>
    public string Call { get; }

    /// <summary>The errno value, such as 98.</summary>
    public int ErrorNumber { get; }

    /// <summary>The errno's symbolic name, such as <c>EADDRINUSE</c>.</summary>
    public string ErrorName { get; }

    /// <summary>The errno value (the same as <see cref="ErrorNumber"/>).</summary>
    public override int ErrorCode => ErrorNumber;

    /// <summary>The call, the errno's name and the system's text for it.</summary>
    public override string Message =>
        _message ??= $"{Call} failed: {ErrorName} ({Marshal.GetPInvokeErrorMessage(ErrorNumber)})";
}
