namespace ReactorNet.Interop;

/// <summary>Small helpers around raw file descriptors shared by the loop and the transport.</summary>
internal static unsafe class FileDescriptor
{
    /// <summary>
    /// Closes <paramref name="fd"/>. On Linux the descriptor is released even when close() reports
    /// EINTR, so retrying would close a number some other thread may already have reused: never retry.
    /// </summary>
    public static void Close(int fd)
    {
        if (fd >= 0)
        {
            Libc.close(fd);
        }
    }

    /// <summary>Creates a non-blocking, close-on-exec eventfd.</summary>
    public static int CreateEventFd() => Errno.ThrowIfError(Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK), "eventfd");

    /// <summary>Adds one to an eventfd counter. EAGAIN (counter saturated) still means "woken".</summary>
    public static void Signal(int eventFd)
    {
        ulong one = 1;
        TransferCounter(eventFd, &one, write: true);
    }

    /// <summary>Resets an eventfd counter to zero; returns the value it held (0 if it was not signalled).</summary>
    public static ulong Drain(int eventFd)
    {
        ulong value = 0;
        return TransferCounter(eventFd, &value, write: false) ? value : 0;
    }

    /// <summary>Reads or writes the 8-byte counter, retrying EINTR; false on EAGAIN (nothing to read, or saturated).</summary>
    private static bool TransferCounter(int eventFd, ulong* value, bool write)
    {
        while ((write ? Libc.write(eventFd, (byte*)value, sizeof(ulong)) : Libc.read(eventFd, (byte*)value, sizeof(ulong))) < 0)
        {
            int errno = Errno.Last;
            if (errno == Errno.EAGAIN)
            {
                return false;
            }
            if (errno != Errno.EINTR)
            {
                throw new SystemCallException(write ? "write(eventfd)" : "read(eventfd)", errno);
            }
        }
        return true;
    }
}
