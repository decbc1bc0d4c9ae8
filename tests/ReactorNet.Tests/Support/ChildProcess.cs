using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ReactorNet.Tests.Support;

/// <summary>
/// Runs a scenario of <see cref="ChildScenarios"/> in a fresh process (this test assembly, started
/// with <c>dotnet exec</c>): for what must be observed before anything else ran in a process, or
/// under limits (RLIMIT_NOFILE) that must not touch the test host.
/// </summary>
internal static class ChildProcess
{
    public static (int ExitCode, string Output) Run(string scenario, params string[] arguments)
    {
        string assembly = typeof(ChildProcess).Assembly.Location;
        var start = new ProcessStartInfo(DotNet())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(assembly);
        start.ArgumentList.Add(scenario);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(LoopHarness.Timeout))
        {
            process.Kill();
            throw new TimeoutException($"The child process ({scenario}) did not finish in time.");
        }
        return (process.ExitCode, output.Result + error.Result);
    }

    private static string DotNet()
    {
        string? process = Environment.ProcessPath;
        if (process is not null && Path.GetFileName(process) == "dotnet")
        {
            return process;
        }
        string? hostPath = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(hostPath) && File.Exists(hostPath))
        {
            return hostPath;
        }
        // The runtime lives in <root>/shared/Microsoft.NETCore.App/<version>/; the host is <root>/dotnet.
        string runtime = RuntimeEnvironment.GetRuntimeDirectory().TrimEnd('/');
        return Path.Combine(Path.GetFullPath(Path.Combine(runtime, "..", "..", "..")), "dotnet");
    }
}

/// <summary>Scenarios run by <see cref="ChildProcess"/> (dispatched from the assembly's entry point).</summary>
internal static class ChildScenarios
{
    public static int Run(string[] args)
    {
        // The console opens what it needs on its first write: done now, while descriptors are
        // free, so that a scenario that fills the table can still report what happened.
        Console.WriteLine("child: " + args[0]);
        try
        {
            return args[0] switch
            {
                "first-bind" => FirstBind(int.Parse(args[1])),
                "reactor-emfile" => ReactorUnderEmfile(),
                "server-emfile" => ServerUnderEmfileOnPartlyDisposedGroup(),
                _ => 64,
            };
        }
        catch (Exception ex)
        {
            Console.WriteLine("UNEXPECTED " + ex);
            return 70;
        }
    }

    /// <summary>The very first socket work of the process: a bind to a port in use.</summary>
    private static int FirstBind(int port)
    {
        using var reactor = new Reactor();
        try
        {
            // No address is formatted before the bind: that is what used to overwrite errno.
            using var server = new ReactorNet.Tcp.TcpServer(reactor, new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port), () => null!);
            Console.WriteLine("BOUND");
            return 1;
        }
        catch (Exception ex)
        {
            // Printed whatever the type, so a wrong type shows in the test's message.
            Console.WriteLine($"TYPE={ex.GetType().Name} MESSAGE={ex.Message}");
            if (ex is System.Net.Sockets.SocketException socketError)
            {
                Console.WriteLine($"NATIVE={socketError.NativeErrorCode} SOCKETERROR={socketError.SocketErrorCode}");
            }
            return 0;
        }
    }

    /// <summary>
    /// M7: with exactly one descriptor free, epoll_create1 succeeds and eventfd fails (EMFILE);
    /// the constructor must close its epoll descriptor and nothing else: not fd 0, not ours.
    /// </summary>
    private static unsafe int ReactorUnderEmfile()
    {
        // Warm up: the library's libc binding and code paths, so nothing lazily opens a file later.
        new Reactor().Dispose();
        // A low soft limit, so filling the table is quick.
        RLimit limit;
        if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        {
            return 71;
        }
        limit.Current = Math.Min(limit.Maximum, 512);
        if (setrlimit(RLIMIT_NOFILE, &limit) != 0)
        {
            return 72;
        }
        bool stdinOpen = fcntl(0, F_GETFD) >= 0;
        var ours = new List<int>();
        while (true)
        {
            int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
            if (fd < 0)
            {
                break;
            }
            ours.Add(fd);
        }
        // Free exactly one descriptor (the last): epoll_create1 takes it, eventfd finds none.
        close(ours[^1]);
        ours.RemoveAt(ours.Count - 1);
        string outcome;
        try
        {
            using var reactor = new Reactor();
            outcome = "CREATED";
        }
        catch (SystemCallException ex)
        {
            outcome = ex.Call + ":" + ex.ErrorName;
        }
        int lost = ours.Count(fd => fcntl(fd, F_GETFD) < 0);
        bool stdinStillOpen = fcntl(0, F_GETFD) >= 0;
        bool epollClosed = fcntl(ours[^1] + 1, F_GETFD) < 0; // the descriptor epoll_create1 took is free again
        foreach (int fd in ours)
        {
            close(fd);
        }
        Console.WriteLine($"OUTCOME={outcome} STDIN_BEFORE={stdinOpen} STDIN_AFTER={stdinStillOpen} OURS_CLOSED={lost} EPOLL_RELEASED={epollClosed}");
        return 0;
    }

    /// <summary>
    /// A ReusePort server on a group whose first loop is disposed: exactly two descriptors are free,
    /// so the first listener (socket + spare /dev/null) is made and the second socket fails with
    /// EMFILE. The first listener's loop refuses the stop; both descriptors must be free again.
    /// </summary>
    private static unsafe int ServerUnderEmfileOnPartlyDisposedGroup()
    {
        var loopback = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0);
        var options = new ReactorNet.Tcp.TcpServerOptions { ReusePort = true };
        using var group = new ReactorGroup(2);
        new ReactorNet.Tcp.TcpServer(group, loopback, () => null!, options).Dispose(); // warm up every code path
        group.Reactors[0].Dispose();
        RLimit limit;
        if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        {
            return 71;
        }
        limit.Current = Math.Min(limit.Maximum, 512);
        if (setrlimit(RLIMIT_NOFILE, &limit) != 0)
        {
            return 72;
        }
        var ours = new List<int>();
        while (true)
        {
            int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
            if (fd < 0)
            {
                break;
            }
            ours.Add(fd);
        }
        int[] freed = [ours[^2], ours[^1]];
        close(freed[0]);
        close(freed[1]);
        ours.RemoveRange(ours.Count - 2, 2);
        string outcome;
        try
        {
            using var server = new ReactorNet.Tcp.TcpServer(group, loopback, () => null!, options);
            outcome = "CREATED";
        }
        catch (SystemCallException ex)
        {
            outcome = ex.Call + ":" + ex.ErrorName;
        }
        catch (Exception ex)
        {
            outcome = "UNEXPECTED:" + ex.GetType().Name + ":" + ex.Message; // reported once descriptors are free again
        }
        int stillOpen = freed.Count(fd => fcntl(fd, F_GETFD) >= 0);
        foreach (int fd in ours)
        {
            close(fd);
        }
        Console.WriteLine($"OUTCOME={outcome} STILL_OPEN={stillOpen}");
        return 0;
    }

    private const int RLIMIT_NOFILE = 7;
    private const int F_GETFD = 1;
    private const int O_RDONLY = 0;
    private const int O_CLOEXEC = 0x80000;

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern unsafe int getrlimit(int resource, RLimit* limit);

    [DllImport("libc", SetLastError = true)]
    private static extern unsafe int setrlimit(int resource, RLimit* limit);

    [DllImport("libc", SetLastError = true)]
    private static extern int fcntl(int fd, int command);

    [DllImport("libc", SetLastError = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);
}
