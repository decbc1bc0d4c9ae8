using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using ReactorNet.Tcp;
using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Tcp;

/// <summary>Starting, stopping and disposing servers and their loops in every order.</summary>
[Collection(DescriptorCountingCollection.Name)]
public sealed class ServerLifecycleTests
{
    private static readonly IPEndPoint AnyLoopbackPort = new(IPAddress.Loopback, 0);

    public enum Order
    {
        ServerFirst,
        ReactorFirst,
        GroupServerFirst,
        GroupReactorFirst,
    }

    /// <summary>
    /// Start, listen, dispose both at once, in either order: no listening socket may survive, and no
    /// socket, spare /dev/null, epoll or eventfd may leak.
    /// </summary>
    [Theory]
    [InlineData(Order.ServerFirst)]
    [InlineData(Order.ReactorFirst)]
    [InlineData(Order.GroupServerFirst)]
    [InlineData(Order.GroupReactorFirst)]
    public void Start_listen_dispose_cycles_leave_no_listener_and_leak_nothing(Order order)
    {
        bool group = order is Order.GroupServerFirst or Order.GroupReactorFirst;
        bool serverFirst = order is Order.ServerFirst or Order.GroupServerFirst;
        var handler = new RecordingHandler();
        var baseline = DescriptorCensus.Take();
        var listeners = new List<string>(); // inodes of the listening sockets made
        for (int i = 0; i < (group ? 100 : 200); i++)
        {
            IDisposable loops;
            Task ran;
            TcpServer server;
            if (group)
            {
                var g = new ReactorGroup(2);
                g.Start();
                ran = g.Completion;
                server = new TcpServer(g, AnyLoopbackPort, () => handler, new TcpServerOptions { ReusePort = true });
                loops = g;
            }
            else
            {
                var r = new Reactor();
                r.Start();
                ran = r.Completion;
                server = new TcpServer(r, AnyLoopbackPort, () => handler);
                loops = r;
            }
            IReadOnlyList<string> made = KernelTcp.ListenerInodes(((IPEndPoint)server.LocalEndPoint).Port);
            made.Should().NotBeEmpty($"cycle {i}: the server listens");
            listeners.AddRange(made);
            if (serverFirst)
            {
                server.Dispose();
                loops.Dispose();
            }
            else
            {
                loops.Dispose();
                server.Dispose();
            }
            ran.Wait(LoopHarness.Timeout).Should().BeTrue($"cycle {i}: the loops end");
        }
        // By the listening sockets' inodes, not by connecting to their ports: a test process running
        // beside this one may listen on a port one of ours left, and would answer the connect.
        KernelTcp.AnyListening(listeners).Should().BeFalse("no listening socket of the servers survives them");
        DescriptorCensus.Take().ShouldNotExceed(baseline, $"{listeners.Count} listeners, {order}");
        handler.Opened.Should().BeEmpty();
    }

    /// <summary>
    /// Clients connect as fast as two threads can while the server on a group of two loops is
    /// disposed: connections in the middle of the hand-off from the accepting loop to the other
    /// loop must not escape. After Dispose returns, no OnConnected follows, every accepted
    /// connection got OnClosed, the count is 0 and no client is still served.
    /// </summary>
    [Fact]
    public void Server_dispose_on_a_group_under_connect_load_leaves_no_connection_alive()
    {
        for (int round = 0; round < 3; round++)
        {
            using var group = new ReactorGroup(2);
            group.Start();
            Task loops = group.Completion;
            var handler = new RecordingHandler();
            var server = new TcpServer(group, AnyLoopbackPort, () => handler);
            var clients = new ConcurrentQueue<Socket>();
            using var stop = new CancellationTokenSource();
            var threads = Enumerable.Range(0, 2).Select(_ => new Thread(() =>
            {
                for (int i = 0; i < 400 && !stop.IsCancellationRequested; i++)
                {
                    var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
                    clients.Enqueue(client);
                    try
                    {
                        client.Connect(server.LocalEndPoint);
                    }
                    catch (SocketException)
                    {
                        return; // the listener is gone
                    }
                }
            })).ToList();
            threads.ForEach(t => t.Start());
            SpinWait.SpinUntil(() => handler.Opened.Count >= 50, LoopHarness.Timeout).Should().BeTrue("the clients get served");

            server.Dispose();
            int openedAtDispose = handler.Opened.Count;
            handler.ClosedCount.Should().Be(openedAtDispose, "every connection opened so far was closed before Dispose returned");

            stop.Cancel();
            threads.ForEach(t => t.Join(LoopHarness.Timeout).Should().BeTrue());
            foreach (Socket client in clients)
            {
                if (client.Connected)
                {
                    ShouldNotBeServed(client);
                }
                client.Dispose();
            }
            handler.Opened.Count.Should().Be(openedAtDispose, "no OnConnected after Dispose returned");
            foreach (TcpConnection connection in handler.Opened.Keys)
            {
                handler.Closes[connection].Should().Equal([CloseReason.Shutdown]);
            }
            server.ConnectionCount.Should().Be(0);
            group.Dispose();
            loops.Wait(LoopHarness.Timeout).Should().BeTrue();
        }
    }

    private static void ShouldNotBeServed(Socket client)
    {
        client.ReceiveTimeout = (int)LoopHarness.Timeout.TotalMilliseconds;
        try
        {
            client.Send([42]);
            client.Receive(new byte[1]).Should().Be(0, "a connection of a disposed server must not echo");
        }
        catch (SocketException ex)
        {
            ex.SocketErrorCode.Should().BeOneOf(SocketError.ConnectionReset, SocketError.ConnectionAborted, SocketError.Shutdown);
        }
    }

    [Fact]
    public async Task Server_dispose_on_a_stopped_loop_closes_its_connections()
    {
        var reactor = new Reactor();
        reactor.Start();
        Task loop = reactor.Completion;
        var handler = new RecordingHandler();
        var server = new TcpServer(reactor, AnyLoopbackPort, () => handler);
        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(server.LocalEndPoint).WaitAsync(LoopHarness.Timeout);
        SpinWait.SpinUntil(() => handler.Opened.Count == 1, LoopHarness.Timeout).Should().BeTrue();
        reactor.Stop();
        loop.Wait(LoopHarness.Timeout).Should().BeTrue();

        server.Dispose();

        handler.Closes.Values.Single().Should().Equal([CloseReason.Shutdown]);
        server.ConnectionCount.Should().Be(0);
        ShouldNotBeServed(client);
        reactor.Dispose();
        handler.ClosedCount.Should().Be(1);
    }

    /// <summary>One client answers the server's FIN, the other never does: the token ends the grace period.</summary>
    [Fact]
    public async Task ShutdownAsync_reports_what_closed_in_the_grace_period_and_what_was_aborted()
    {
        using var harness = new EchoServerHarness();
        using Socket polite = await harness.ConnectClientAsync();
        using Socket stubborn = await harness.ConnectClientAsync();
        SpinWait.SpinUntil(() => harness.Server.ConnectionCount == 2, LoopHarness.Timeout).Should().BeTrue();
        using var grace = new CancellationTokenSource();

        Task<ShutdownResult> shutdown = harness.Server.ShutdownAsync(grace.Token);
        (await polite.ReceiveToEndAsync()).Should().BeEmpty("the server sent FIN");
        polite.Shutdown(SocketShutdown.Send);
        await harness.Handler.WhenClosed(1).WaitAsync(LoopHarness.Timeout);
        (await stubborn.ReceiveToEndAsync()).Should().BeEmpty("the server sent FIN to this one too");
        grace.Cancel();

        ShutdownResult result = await shutdown.WaitAsync(LoopHarness.Timeout);
        result.Closed.Should().Be(1);
        result.Aborted.Should().Be(1);
        result.IsComplete.Should().BeFalse();
        harness.Handler.Closed.Select(c => c.Reason).Should().BeEquivalentTo([CloseReason.Graceful, CloseReason.Shutdown]);
        harness.Server.ConnectionCount.Should().Be(0);
    }
}
