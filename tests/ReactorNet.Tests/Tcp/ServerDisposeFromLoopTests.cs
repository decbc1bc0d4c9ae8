using System.Net;
using System.Net.Sockets;
using ReactorNet.Tcp;
using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Tcp;

public sealed class ServerDisposeFromLoopTests
{
    /// <summary>
    /// Dispose from a callback of loop 0 does not wait for loop 1's sweep; that sweep still signals
    /// the countdown later, so the countdown must outlive Dispose (no ObjectDisposedException on
    /// loop 1, and loop 1's connection still closes with Shutdown).
    /// </summary>
    [Fact]
    public void Dispose_from_one_loop_lets_the_other_loops_sweep_later_without_error()
    {
        var log = new CapturingLoggerFactory();
        using var group = new ReactorGroup(2, new ReactorOptions { LoggerFactory = log });
        group.Start();
        var handler = new RecordingHandler();
        var server = new TcpServer(group, new IPEndPoint(IPAddress.Loopback, 0), () => handler,
            new TcpServerOptions { LoadBalancing = LoadBalancing.RoundRobin });
        var clients = new List<Socket>();
        for (int i = 0; i < 2; i++)
        {
            var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
            client.Connect(server.LocalEndPoint);
            client.Send("x"u8);
            client.Receive(new byte[1]).Should().Be(1);
            clients.Add(client);
        }
        server.GetConnectionsPerLoop().Should().Equal(1, 1);

        using var release = new ManualResetEventSlim();
        var blocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        group.Reactors[1].Post(() =>
        {
            blocked.SetResult();
            release.Wait(LoopHarness.Timeout);
        });
        LoopHarness.Wait(blocked.Task);
        var disposed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        group.Reactors[0].Post(() =>
        {
            server.Dispose(); // from a loop callback: returns without waiting for loop 1
            disposed.SetResult();
        });
        LoopHarness.Wait(disposed.Task);
        release.Set();
        var fence = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        group.Reactors[1].Post(() => fence.SetResult()); // after loop 1's sweep
        LoopHarness.Wait(fence.Task);

        log.Entries.Should().NotContain(e => e.Exception is ObjectDisposedException);
        handler.ClosedCount.Should().Be(2);
        handler.Closes.Values.Should().OnlyContain(q => q.Single() == CloseReason.Shutdown);
        clients.ForEach(c => c.Dispose());
    }
}
