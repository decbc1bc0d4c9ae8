using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using ReactorNet.Tcp;
using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Tcp;

public sealed class LoopGroupTests
{
    /// <summary>Echoes, and checks that every callback of a connection runs on one and the same thread.</summary>
    private sealed class AffinityHandler : IConnectionHandler
    {
        public ConcurrentDictionary<long, int> ThreadOf { get; } = new();

        public int Violations;

        public void OnConnected(TcpConnection connection)
        {
            ThreadOf[connection.Id] = Environment.CurrentManagedThreadId;
            Check(connection);
        }

        public int OnData(TcpConnection connection, ReadOnlySpan<byte> data)
        {
            Check(connection);
            connection.TrySend(data);
            return data.Length;
        }

        public void OnClosed(TcpConnection connection, CloseReason reason, Exception? error) => Check(connection);

        private void Check(TcpConnection connection)
        {
            if (ThreadOf[connection.Id] != Environment.CurrentManagedThreadId || !connection.Reactor.IsInLoopThread)
            {
                Interlocked.Increment(ref Violations);
            }
        }
    }

    [Theory]
    [InlineData(LoadBalancing.RoundRobin, false)]
    [InlineData(LoadBalancing.LeastConnections, false)]
    [InlineData(LoadBalancing.RoundRobin, true)]
    public async Task A_group_spreads_a_thousand_connections_evenly_and_keeps_each_on_one_thread(LoadBalancing balancing, bool reusePort)
    {
        const int Loops = 4, Connections = 1000;
        using var group = new ReactorGroup(Loops);
        group.Start();
        Task running = group.Completion;
        var handler = new AffinityHandler();
        using var server = new TcpServer(group, new IPEndPoint(IPAddress.Loopback, 0), () => handler, new TcpServerOptions { LoadBalancing = balancing, ReusePort = reusePort });

        var clients = new Socket[Connections];
        try
        {
            for (int i = 0; i < Connections; i++)
            {
                clients[i] = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await clients[i].ConnectAsync(server.LocalEndPoint);
            }
            await Task.WhenAll(clients.Select(async c =>
            {
                await c.SendAsync("x"u8.ToArray(), SocketFlags.None);
                (await c.ReceiveExactlyAsync(1)).Should().Equal("x"u8.ToArray());
            }));

            server.ConnectionCount.Should().Be(Connections);
            IReadOnlyList<int> perLoop = server.GetConnectionsPerLoop();
            perLoop.Sum().Should().Be(Connections);
            if (reusePort)
            {
                // The kernel hashes connections over the listeners: even on average, not exactly.
                perLoop.Should().OnlyContain(n => n > Connections / Loops / 3);
            }
            else
            {
                perLoop.Should().OnlyContain(n => Math.Abs(n - Connections / Loops) <= 2);
            }
            handler.ThreadOf.Values.Distinct().Should().HaveCount(Loops, "each loop is one thread");
        }
        finally
        {
            foreach (Socket? c in clients)
            {
                c?.Dispose();
            }
        }
        SpinWait.SpinUntil(() => server.ConnectionCount == 0, LoopHarness.Timeout).Should().BeTrue();
        Volatile.Read(ref handler.Violations).Should().Be(0);
        group.Stop();
        (await Task.WhenAny(running, Task.Delay(LoopHarness.Timeout))).Should().Be(running);
    }
}
