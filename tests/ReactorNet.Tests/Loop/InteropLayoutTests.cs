using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ReactorNet.Interop;
using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Loop;

/// <summary>
/// The interop layer against the real kernel and the real C headers (PITFALLS #11), so a wrong
/// constant or layout fails here rather than being repeated by the test.
/// </summary>
public sealed unsafe class InteropLayoutTests
{
    [Fact]
    public void Every_flag_and_the_epoll_event_layout_match_the_C_headers()
    {
        IReadOnlyDictionary<string, long> c = CHeaders.Values;
        var ours = new Dictionary<string, long>
        {
            ["EPOLLIN"] = (long)Interest.Readable,
            ["EPOLLOUT"] = (long)Interest.Writable,
            ["EPOLLRDHUP"] = (long)Interest.ReadHangUp,
            ["EPOLLET"] = (long)Interest.EdgeTriggered,
            ["EPOLLONESHOT"] = (long)Interest.OneShot,
            ["EPOLLIN_R"] = (long)Readiness.Readable,
            ["EPOLLPRI_R"] = (long)Readiness.Priority,
            ["EPOLLOUT_R"] = (long)Readiness.Writable,
            ["EPOLLERR_R"] = (long)Readiness.Error,
            ["EPOLLHUP_R"] = (long)Readiness.HangUp,
            ["EPOLLRDHUP_R"] = (long)Readiness.ReadHangUp,
            ["EPOLL_CLOEXEC"] = Libc.EPOLL_CLOEXEC,
            ["EPOLL_CTL_ADD"] = Libc.EPOLL_CTL_ADD,
            ["EPOLL_CTL_DEL"] = Libc.EPOLL_CTL_DEL,
            ["EPOLL_CTL_MOD"] = Libc.EPOLL_CTL_MOD,
            ["EFD_CLOEXEC"] = Libc.EFD_CLOEXEC,
            ["EFD_NONBLOCK"] = Libc.EFD_NONBLOCK,
            ["O_CLOEXEC"] = Libc.O_CLOEXEC,
            ["O_NONBLOCK"] = Libc.O_NONBLOCK,
            ["SOCK_STREAM"] = Libc.SOCK_STREAM,
            ["SOCK_NONBLOCK"] = Libc.SOCK_NONBLOCK,
            ["SOCK_CLOEXEC"] = Libc.SOCK_CLOEXEC,
            ["MSG_NOSIGNAL"] = Libc.MSG_NOSIGNAL,
            ["AF_UNIX"] = Libc.AF_UNIX,
            ["AF_INET"] = Libc.AF_INET,
            ["AF_INET6"] = Libc.AF_INET6,
            ["SOL_SOCKET"] = Libc.SOL_SOCKET,
            ["SO_REUSEADDR"] = Libc.SO_REUSEADDR,
            ["SO_REUSEPORT"] = Libc.SO_REUSEPORT,
            ["SO_ERROR"] = Libc.SO_ERROR,
            ["SO_LINGER"] = Libc.SO_LINGER,
            ["IPPROTO_TCP"] = Libc.IPPROTO_TCP,
            ["TCP_NODELAY"] = Libc.TCP_NODELAY,
            ["IPPROTO_IPV6"] = Libc.IPPROTO_IPV6,
            ["IPV6_V6ONLY"] = Libc.IPV6_V6ONLY,
            ["SHUT_WR"] = Libc.SHUT_WR,
            ["RLIMIT_NOFILE"] = Libc.RLIMIT_NOFILE,
            ["sizeof_epoll_event"] = EpollEvent.Size,
            ["offsetof_epoll_event_data"] = EpollEvent.DataOffset,
        };
        foreach (var (name, value) in ours)
        {
            value.Should().Be(c[name], $"{name} must have the value of the C headers (0x{c[name]:x})");
        }
    }

    [Fact]
    public void A_batch_of_events_is_decoded_event_by_event()
    {
        // Three registrations with distinct tokens, all ready: decoding must use each event's own
        // slot (stride Size, data at DataOffset), not repeat the first one.
        ulong[] tokens = [0x0123_4567_89AB_CDEF, 0xFEDC_BA98_7654_3210, 0x0000_0001_0000_0002];
        int ep = Errno.ThrowIfError(Libc.epoll_create1(Libc.EPOLL_CLOEXEC), "epoll_create1");
        var fds = new List<int>();
        try
        {
            byte* ev = stackalloc byte[16];
            foreach (ulong token in tokens)
            {
                int efd = FileDescriptor.CreateEventFd();
                fds.Add(efd);
                EpollEvent.Set(ev, (uint)Interest.Readable, token);
                Errno.ThrowIfError(Libc.epoll_ctl(ep, Libc.EPOLL_CTL_ADD, efd, ev), "epoll_ctl");
                FileDescriptor.Signal(efd);
            }
            byte* events = stackalloc byte[8 * 16];
            int n = Libc.epoll_wait(ep, events, 8, 5_000);
            n.Should().Be(tokens.Length);
            Enumerable.Range(0, n).Select(i => EpollEvent.GetData(events, i)).Should().BeEquivalentTo(tokens);
            Enumerable.Range(0, n).Select(i => EpollEvent.GetEvents(events, i)).Should().OnlyContain(e => e == (uint)Readiness.Readable);
        }
        finally
        {
            fds.ForEach(FileDescriptor.Close);
            FileDescriptor.Close(ep);
        }
    }

    [Fact]
    public void ReadHangUp_interest_reports_the_peers_shutdown_of_a_real_socket()
    {
        // EPOLLRDHUP exists for stream sockets only (a pipe never reports it): a TCP pair on loopback.
        using var listener = new Socket(SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var peer = new Socket(SocketType.Stream, ProtocolType.Tcp);
        peer.Connect(listener.LocalEndPoint!);
        using Socket ours = listener.Accept(); // synchronous: the runtime's own epoll never sees it

        using var loop = new LoopHarness();
        var seen = new TaskCompletionSource<Readiness>(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new DelegateHandler((registration, readiness) =>
        {
            registration.Unregister();
            seen.TrySetResult(readiness);
        });
        loop.Invoke(() => loop.Reactor.Register((int)ours.Handle, Interest.ReadHangUp, handler, ownsFd: false));
        peer.Shutdown(SocketShutdown.Send);
        LoopHarness.Wait(seen.Task).Should().HaveFlag(Readiness.ReadHangUp);
    }

    [Fact]
    public void The_spare_descriptor_of_a_listener_is_close_on_exec()
    {
        using var harness = new ReactorNet.Tests.Tcp.EchoServerHarness();
        var acceptors = (Array)typeof(ReactorNet.Tcp.TcpServer)
            .GetField("_acceptors", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
            .GetValue(harness.Server)!;
        var spareField = acceptors.GetValue(0)!.GetType()
            .GetField("_spareFd", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!;
        int spare = harness.Loop.Invoke(() => (int)spareField.GetValue(acceptors.GetValue(0))!);
        spare.Should().BeGreaterThan(2);
        new FileInfo($"/proc/self/fd/{spare}").LinkTarget.Should().Be("/dev/null");
        long flags = FdInfoFlags(spare);
        (flags & CHeaders.Values["O_CLOEXEC"]).Should().NotBe(0, $"the spare descriptor {spare} (flags 0{Convert.ToString(flags, 8)}) must not leak into child processes");
    }

    /// <summary>The <c>flags:</c> line of /proc/self/fdinfo/N: the open file's flags in octal, O_CLOEXEC included.</summary>
    internal static long FdInfoFlags(int fd)
    {
        string line = File.ReadAllLines($"/proc/self/fdinfo/{fd}").Single(l => l.StartsWith("flags:", StringComparison.Ordinal));
        return Convert.ToInt64(line["flags:".Length..].Trim(), 8);
    }
}

/// <summary>
/// Constants and layouts printed by a C program compiled against this machine's headers, once per
/// test run. gcc is a requirement of the test suite: without it these tests fail, they never skip.
/// </summary>
internal static class CHeaders
{
    private static readonly Lazy<IReadOnlyDictionary<string, long>> s_values = new(Compile);

    public static IReadOnlyDictionary<string, long> Values => s_values.Value;

    private const string Program = """
        #define _GNU_SOURCE
        #include <stdio.h>
        #include <stddef.h>
        #include <fcntl.h>
        #include <sys/epoll.h>
        #include <sys/eventfd.h>
        #include <sys/socket.h>
        #include <sys/resource.h>
        #include <netinet/in.h>
        #include <netinet/tcp.h>
        #define P(name, value) printf("%s=%lld\n", name, (long long)(value))
        int main(void) {
            P("EPOLLIN", EPOLLIN); P("EPOLLOUT", EPOLLOUT); P("EPOLLRDHUP", EPOLLRDHUP);
            P("EPOLLET", (unsigned)EPOLLET); P("EPOLLONESHOT", EPOLLONESHOT);
            P("EPOLLIN_R", EPOLLIN); P("EPOLLPRI_R", EPOLLPRI); P("EPOLLOUT_R", EPOLLOUT);
            P("EPOLLERR_R", EPOLLERR); P("EPOLLHUP_R", EPOLLHUP); P("EPOLLRDHUP_R", EPOLLRDHUP);
            P("EPOLL_CLOEXEC", EPOLL_CLOEXEC); P("EPOLL_CTL_ADD", EPOLL_CTL_ADD);
            P("EPOLL_CTL_DEL", EPOLL_CTL_DEL); P("EPOLL_CTL_MOD", EPOLL_CTL_MOD);
            P("EFD_CLOEXEC", EFD_CLOEXEC); P("EFD_NONBLOCK", EFD_NONBLOCK);
            P("O_CLOEXEC", O_CLOEXEC); P("O_NONBLOCK", O_NONBLOCK);
            P("SOCK_STREAM", SOCK_STREAM); P("SOCK_NONBLOCK", SOCK_NONBLOCK); P("SOCK_CLOEXEC", SOCK_CLOEXEC);
            P("MSG_NOSIGNAL", MSG_NOSIGNAL);
            P("AF_UNIX", AF_UNIX); P("AF_INET", AF_INET); P("AF_INET6", AF_INET6);
            P("SOL_SOCKET", SOL_SOCKET); P("SO_REUSEADDR", SO_REUSEADDR); P("SO_REUSEPORT", SO_REUSEPORT);
            P("SO_ERROR", SO_ERROR); P("SO_LINGER", SO_LINGER);
            P("IPPROTO_TCP", IPPROTO_TCP); P("TCP_NODELAY", TCP_NODELAY);
            P("IPPROTO_IPV6", IPPROTO_IPV6); P("IPV6_V6ONLY", IPV6_V6ONLY);
            P("SHUT_WR", SHUT_WR); P("RLIMIT_NOFILE", RLIMIT_NOFILE);
            P("sizeof_epoll_event", sizeof(struct epoll_event));
            P("offsetof_epoll_event_data", offsetof(struct epoll_event, data));
            return 0;
        }
        """;

    private static IReadOnlyDictionary<string, long> Compile()
    {
        string directory = Directory.CreateTempSubdirectory("reactornet-cheaders-").FullName;
        try
        {
            string source = Path.Combine(directory, "constants.c");
            string binary = Path.Combine(directory, "constants");
            File.WriteAllText(source, Program);
            Run("gcc", ["-O0", "-o", binary, source], "gcc is required by the interop tests (install it: the C headers are the reference for every constant)");
            string output = Run(binary, [], "the compiled constants program failed");
            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => line.Split('='))
                .ToDictionary(parts => parts[0], parts => long.Parse(parts[1]));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string Run(string program, string[] arguments, string failure)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"{failure}: cannot start {program}: {ex.Message}", ex);
        }
        using (process)
        {
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            Task<string> error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(LoopHarness.Timeout))
            {
                process.Kill();
                throw new InvalidOperationException($"{failure}: {program} did not finish in time");
            }
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{failure}: {program} exited with {process.ExitCode}: {error.Result}");
            }
            return output.Result;
        }
    }
}
