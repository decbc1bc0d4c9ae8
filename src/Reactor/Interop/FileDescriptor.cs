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
        while (Libc.write(eventFd, (byte*)&one, sizeof(ulong)) < 0)
        {
            int errno = Errno.Last;
            if (errno == Errno.EINTR)
            {
                continue;
            }
            if (errno != Errno.EAGAIN)
            {
                throw new SystemCallException("write(eventfd)", errno);
            }
            return;
        }
    }

    /// <summary>Resets an eventfd counter to zero; returns the value it held (0 if it was not signalled).</summary>
    public static ulong Drain(int eventFd)
    {
        ulong value = 0;
        while (Libc.read(eventFd, (byte*)&value, sizeof(ulong)) < 0)
        {
            int errno = Errno.Last;
            if (errno == Errno.EINTR)
            {
                continue;
            }
            if (errno != Errno.EAGAIN)
            {
                throw new SystemCallException("read(eventfd)", errno);
            }
            return 0;
        }
        return value;
    }
}
