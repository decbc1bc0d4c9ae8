using System.Net;
using System.Net.Sockets;
using ReactorNet.Tcp;
using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Tcp;

public sealed class DescriptorHygieneTests
{
    /// <summary>
    /// PITFALLS #2: a descriptor inherited by a child process keeps its open file description (and
    /// its epoll entry) alive after we close it. Everything the library opens is close-on-exec.
    /// </summary>
    [Fact]
    public async Task Every_descriptor_the_library_opens_is_close_on_exec()
    {
        using var harness = new EchoServerHarness();
        var client = await TcpConnection.ConnectAsync(harness.Loop.Reactor, harness.Server.LocalEndPoint, new CollectingHandler());
        using Socket other = await harness.ConnectClientAsync();
        await other.SendAsync("x"u8.ToArray(), SocketFlags.None);
        (await other.ReceiveExactlyAsync(1)).Should().HaveCount(1);

        // Every descriptor of this process whose target is a socket, eventfd or epoll instance.
        var kinds = new[] { "socket:", "anon_inode:[eventfd]", "anon_inode:[eventpoll]" };
        var checkedFds = 0;
        foreach (string path in Directory.GetFiles("/proc/self/fd"))
        {
            string? target = new FileInfo(path).LinkTarget;
            int fd = int.Parse(Path.GetFileName(path));
            if (target is null || !kinds.Any(target.StartsWith) || fd <= 2)
            {
                continue;
            }
            string? flags;
            try
            {
                flags = File.ReadLines($"/proc/self/fdinfo/{fd}").FirstOrDefault(l => l.StartsWith("flags:"));
            }
            catch (IOException)
            {
                continue; // closed meanwhile by a test running in parallel
            }
            if (flags is null)
            {
                continue;
            }
            long value = Convert.ToInt64(flags["flags:".Length..].Trim(), 8);
            (value & 0x80000).Should().NotBe(0, $"fd {fd} ({target}) must be O_CLOEXEC");
            checkedFds++;
        }
        checkedFds.Should().BeGreaterThanOrEqualTo(5, "epoll, eventfd, listener, accepted and connected sockets at least");
        client.Abort();
    }

    /// <summary>PITFALLS #3: EPOLLOUT is armed only while output is pending, or an idle socket spins the loop.</summary>
    [Fact]
    public async Task Writable_interest_is_armed_only_while_output_is_pending()
    {
        var handler = new BigReplyHandler();
        using var loop = new LoopHarness();
        using var server = new TcpServer(loop.Reactor, new IPEndPoint(IPAddress.Loopback, 0), () => handler);
        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 32 * 1024 };
        client.Connect(server.LocalEndPoint);
        await client.SendAsync("go"u8.ToArray(), SocketFlags.None);

        await handler.Queued.Task.WaitAsync(LoopHarness.Timeout);
        loop.Invoke(() => handler.Connection!.CurrentInterest).Should().HaveFlag(Interest.Writable, "8 MiB cannot all go at once");
        (await client.ReceiveExactlyAsync(8 << 20)).Should().HaveCount(8 << 20);
        SpinWait.SpinUntil(() => loop.Invoke(() => handler.Connection!.PendingOutputBytes) == 0, LoopHarness.Timeout).Should().BeTrue();
        loop.Invoke(() => handler.Connection!.CurrentInterest).Should().Be(Interest.Readable, "drained: EPOLLOUT is disarmed");
    }

    private sealed class BigReplyHandler : IConnectionHandler
    {
        public TcpConnection? Connection { get; private set; }

        public TaskCompletionSource Queued { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int OnData(TcpConnection connection, ReadOnlySpan<byte> data)
        {
            Connection = connection;
            connection.TrySend(new byte[8 << 20]);
            Queued.TrySetResult();
            return data.Length;
        }
    }
}
