using System.Runtime.InteropServices;
using ReactorNet.Interop;

namespace ReactorNet;

/// <summary>
/// A Linux system call failed. Carries the call, the errno value and its symbolic name, so
/// <c>epoll_ctl failed: EBADF (Bad file descriptor)</c> tells a user exactly what the kernel said.
/// </summary>
public sealed class SystemCallException : IOException
{
    /// <summary>Creates the exception for <paramref name="call"/> failing with <paramref name="errno"/>.</summary>
    /// <param name="call">The system call, such as <c>bind</c>.</param>
    /// <param name="errno">The errno value it set.</param>
    public SystemCallException(string call, int errno)
        : base($"{call} failed: {Errno.Name(errno)} ({Marshal.GetPInvokeErrorMessage(errno)})")
    {
        Call = call;
        ErrorNumber = errno;
        ErrorName = Errno.Name(errno);
        HResult = errno;
    }

    /// <summary>The system call that failed, such as <c>bind</c>.</summary>
    public string Call { get; }

    /// <summary>The errno value, such as 9.</summary>
    public int ErrorNumber { get; }

    /// <summary>The errno's symbolic name, such as <c>EBADF</c>.</summary>
    public string ErrorName { get; }
}
