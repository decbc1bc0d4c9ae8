using System.Runtime.InteropServices;
using ReactorNet.Interop;

namespace ReactorNet.Tests.Support;

/// <summary>A reactor running on its own thread, with helpers to run code on it and wait for signals.</summary>
internal sealed class LoopHarness : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    public LoopHarness(ReactorOptions? options = null)
    {
        Reactor = new Reactor(options ?? new ReactorOptions());
        Reactor.Start();
        Completion = Reactor.Completion;
    }

    public Reactor Reactor { get; }

    public Task Completion { get; }

    /// <summary>Runs <paramref name="func"/> on the loop thread and returns its result (or rethrows).</summary>
    public T Invoke<T>(Func<T> func)
    {
        var tcs = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Reactor.Post(() =>
        {
            try
            {
                tcs.SetResult(func());
            }
            catch (Exception ex)
            {
                tcs.SetException(ex);
            }
        });
        return Wait(tcs.Task);
    }

    public void Invoke(Action action) => Invoke(() => { action(); return true; });

    public static T Wait<T>(Task<T> task)
    {
        if (!task.Wait(Timeout))
        {
            throw new TimeoutException("The loop did not answer in time.");
        }
        return task.Result;
    }

    public static void Wait(Task task)
    {
        if (!task.Wait(Timeout))
        {
            throw new TimeoutException("The signal did not come in time.");
        }
    }

    /// <summary>
    /// Waits until the loop has gone round at least <paramref name="rounds"/> more times with
    /// events being dispatched: a level-triggered, never-drained eventfd fires every round.
    /// This is how a test proves that something did NOT happen, without sleeping.
    /// </summary>
    public void WaitRounds(int rounds)
    {
        int fd = NativeTestHelpers.EventFd();
        NativeTestHelpers.SignalEventFd(fd);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int seen = 0;
        var handler = new DelegateHandler((reg, _) =>
        {
            if (++seen == rounds)
            {
                reg.Unregister();
                done.TrySetResult();
            }
        });
        Invoke(() => Reactor.Register(fd, Interest.Readable, handler, ownsFd: true));
        Wait(done.Task);
    }

    public void Dispose()
    {
        Reactor.Dispose();
        Completion.Wait(Timeout);
    }
}

/// <summary>An <see cref="IEventHandler"/> made of a delegate.</summary>
internal sealed class DelegateHandler(Action<Registration, Readiness> onEvent) : IEventHandler
{
    public void OnEvent(Registration registration, Readiness readiness) => onEvent(registration, readiness);
}

/// <summary>Pipes and eventfds for tests, through the library's own interop.</summary>
internal static unsafe partial class NativeTestHelpers
{
    public static (int Read, int Write) Pipe()
    {
        int* fds = stackalloc int[2];
        Errno.ThrowIfError(Libc.pipe2(fds, Libc.O_NONBLOCK | Libc.O_CLOEXEC), "pipe2");
        return (fds[0], fds[1]);
    }

    public static int EventFd() => FileDescriptor.CreateEventFd();

    public static void SignalEventFd(int fd) => FileDescriptor.Signal(fd);

    public static ulong DrainEventFd(int fd) => FileDescriptor.Drain(fd);

    public static void WriteByte(int fd, byte value = 42)
    {
        Errno.ThrowIfError((int)Libc.write(fd, &value, 1), "write");
    }

    /// <summary>Reads what is there; returns the count, 0 at end of stream, -errno on error.</summary>
    public static int Read(int fd, Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            nint n = Libc.read(fd, p, buffer.Length);
            return n >= 0 ? (int)n : -Errno.Last;
        }
    }

    /// <summary>Writes one byte; returns 1 or -errno.</summary>
    public static int TryWriteByte(int fd)
    {
        byte b = 1;
        nint n = Libc.write(fd, &b, 1);
        return n >= 0 ? (int)n : -Errno.Last;
    }

    public static void Close(int fd) => FileDescriptor.Close(fd);

    /// <summary>
    /// Makes <paramref name="number"/> refer to a new pipe's read end, closing what it referred to,
    /// in one step (<c>dup3</c>): the number is never free in between, so a test running beside
    /// this one cannot take it, as it could between a <c>close</c> and a reopen.
    /// </summary>
    public static (int Read, int Write) ReplaceWithPipe(int number)
    {
        var (read, write) = Pipe();
        int result = dup3(read, number, Libc.O_CLOEXEC);
        int errno = Errno.Last;
        Close(read);
        if (result < 0)
        {
            Close(write);
            throw new InvalidOperationException($"dup3 onto descriptor {number} failed: errno {errno}.");
        }
        return (number, write);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int dup3(int oldFd, int newFd, int flags);
}
