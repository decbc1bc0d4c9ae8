using System.Net;
using System.Net.Sockets;
using ReactorNet.Tcp;
using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Tcp;

public sealed class ListenAndConnectTests
{
    private static async Task EchoOnceAsync(EndPoint endPoint, AddressFamily family)
    {
        using var client = new Socket(family, SocketType.Stream, family == AddressFamily.Unix ? ProtocolType.Unspecified : ProtocolType.Tcp);
        await client.ConnectAsync(endPoint).WaitAsync(LoopHarness.Timeout);
        await client.SendAsync("ping"u8.ToArray(), SocketFlags.None);
        (await client.ReceiveExactlyAsync(4)).Should().Equal("ping"u8.ToArray());
    }

    [Fact]
    public async Task Port_zero_reports_the_bound_port()
    {
        using var harness = new EchoServerHarness();
        harness.EndPoint.Port.Should().BeGreaterThan(0);
        harness.EndPoint.Address.Should().Be(IPAddress.Loopback);
        await EchoOnceAsync(harness.EndPoint, AddressFamily.InterNetwork);
    }

    [Fact]
    public async Task IPv6_loopback_serves()
    {
        using var harness = new EchoServerHarness(endPoint: new IPEndPoint(IPAddress.IPv6Loopback, 0));
        await EchoOnceAsync(harness.Server.LocalEndPoint, AddressFamily.InterNetworkV6);
    }

    [Fact]
    public async Task Dual_stack_wildcard_serves_IPv4_clients_too()
    {
        using var harness = new EchoServerHarness(endPoint: new IPEndPoint(IPAddress.IPv6Any, 0));
        int port = ((IPEndPoint)harness.Server.LocalEndPoint).Port;
        await EchoOnceAsync(new IPEndPoint(IPAddress.Loopback, port), AddressFamily.InterNetwork);
        await EchoOnceAsync(new IPEndPoint(IPAddress.IPv6Loopback, port), AddressFamily.InterNetworkV6);
    }

    [Fact]
    public async Task Unix_domain_socket_serves_and_the_path_is_removed_on_dispose()
    {
        string path = Path.Combine(Path.GetTempPath(), $"reactor-test-{Guid.NewGuid():N}.sock");
        var harness = new EchoServerHarness(endPoint: new UnixDomainSocketEndPoint(path));
        try
        {
            await EchoOnceAsync(new UnixDomainSocketEndPoint(path), AddressFamily.Unix);
            var connected = await TcpConnection.ConnectAsync(harness.Loop.Reactor, new UnixDomainSocketEndPoint(path), new CollectingHandler());
            connected.Abort();
        }
        finally
        {
            harness.Dispose();
        }
        File.Exists(path).Should().BeFalse();
    }

    [Fact]
    public void Binding_a_port_in_use_names_EADDRINUSE()
    {
        using var first = new EchoServerHarness();
        var act = () => new TcpServer(first.Loop.Reactor, first.EndPoint, () => first.Handler);
        var ex = act.Should().Throw<SystemCallException>().Which;
        ex.ErrorName.Should().Be("EADDRINUSE");
        ex.Message.Should().Contain("bind").And.Contain(first.EndPoint.ToString());
    }

    [Fact]
    public async Task Connecting_to_a_closed_port_names_ECONNREFUSED()
    {
        using var loop = new LoopHarness();
        IPEndPoint closed;
        using (var probe = new Socket(SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            closed = (IPEndPoint)probe.LocalEndPoint!; // bound, never listening: connections are refused
            var act = () => TcpConnection.ConnectAsync(loop.Reactor, closed, new CollectingHandler());
            var ex = (await act.Should().ThrowAsync<SystemCallException>()).Which;
            ex.ErrorName.Should().Be("ECONNREFUSED");
            ex.Message.Should().Contain(closed.ToString());
        }
    }

    /// <summary>
    /// A handshake that never completes (the listener's queue is full) is bounded by the token:
    /// one attempt by <see cref="CancellationTokenSource.CancelAfter(TimeSpan)"/>, another cancelled
    /// while the kernel shows it in SYN_SENT; both sockets are closed, no registration is left.
    /// </summary>
    [Fact]
    public async Task Connect_is_bounded_by_its_token_mid_handshake_and_closes_its_socket()
    {
        using var loop = new LoopHarness();
        using var listener = BlockedListener.Create();
        int port = listener.EndPoint.Port;

        using (var deadline = new CancellationTokenSource())
        {
            deadline.CancelAfter(TimeSpan.FromMilliseconds(300));
            var timedOut = TcpConnection.ConnectAsync(loop.Reactor, listener.EndPoint, new CollectingHandler(), cancellationToken: deadline.Token);
            await timedOut.Awaiting(t => t.WaitAsync(LoopHarness.Timeout)).Should().ThrowAsync<OperationCanceledException>();
            KernelTcp.ConnectsInFlightTo(port).Should().Be(0, "the socket of the attempt that ran out of time was closed");
        }

        using var cts = new CancellationTokenSource();
        var cancelled = TcpConnection.ConnectAsync(loop.Reactor, listener.EndPoint, new CollectingHandler(), cancellationToken: cts.Token);
        SpinWait.SpinUntil(() => KernelTcp.ConnectsInFlightTo(port) == 1, LoopHarness.Timeout).Should().BeTrue("the handshake is in flight");
        cancelled.IsCompleted.Should().BeFalse();
        cts.Cancel();
        await cancelled.Awaiting(t => t.WaitAsync(LoopHarness.Timeout)).Should().ThrowAsync<OperationCanceledException>();
        KernelTcp.ConnectsInFlightTo(port).Should().Be(0, "the socket of the cancelled attempt was closed");
        loop.Invoke(() => loop.Reactor.RegistrationCount).Should().Be(0, "neither attempt left a registration");
    }

    [Fact]
    public async Task Connections_beyond_MaxConnections_are_refused_and_counted()
    {
        using var harness = new EchoServerHarness(new TcpServerOptions { MaxConnections = 2 });
        using Socket a = await harness.ConnectClientAsync();
        using Socket b = await harness.ConnectClientAsync();
        await EchoOnceAsync(harness.EndPoint, AddressFamily.InterNetwork).Awaiting(t => t).Should().ThrowAsync<SocketException>();
        harness.Server.RejectedCount.Should().Be(1, "the server counts a refusal before it resets the connection");
        await a.SendAsync("a"u8.ToArray(), SocketFlags.None);
        (await a.ReceiveExactlyAsync(1)).Should().Equal("a"u8.ToArray());
    }

    [Fact]
    public async Task Idle_connections_are_closed_after_the_timeout_while_active_ones_stay()
    {
        var idle = TimeSpan.FromMilliseconds(1000);
        using var harness = new EchoServerHarness(new TcpServerOptions { Connection = new TcpConnectionOptions { IdleTimeout = idle } });
        var watch = System.Diagnostics.Stopwatch.StartNew(); // before connecting: the server's clock starts at accept
        Socket quiet, chatty;
        try
        {
            quiet = await harness.ConnectClientAsync();
            chatty = await harness.ConnectClientAsync();
        }
        catch (SocketException) when (watch.Elapsed >= idle)
        {
            // The machine held this thread for a whole timeout between accept and the connect's
            // completion, so the server rightly reset the connection as idle: nothing to check.
            return;
        }
        using var quietOwner = quiet;
        using var chattyOwner = chatty;
        var quietClosed = harness.Handler.WhenClosed(1);

        // The chatty client talks every ~20 ms on a thread of its own (not the thread pool, which a
        // loaded machine may starve) until the test ends. It records the longest gap between its
        // messages: only if that stayed well under the timeout was it really active.
        var maxGap = TimeSpan.Zero;
        int exchanges = 0;
        bool chattyFailed = false;
        using var stop = new ManualResetEventSlim();
        var chatter = new Thread(() =>
        {
            var one = new byte[1];
            TimeSpan last = watch.Elapsed;
            try
            {
                while (!stop.IsSet && watch.Elapsed < TimeSpan.FromSeconds(60))
                {
                    chatty.Send("."u8);
                    if (chatty.Receive(one) != 1)
                    {
                        chattyFailed = true;
                        return;
                    }
                    TimeSpan now = watch.Elapsed;
                    maxGap = now - last > maxGap ? now - last : maxGap;
                    last = now;
                    Interlocked.Increment(ref exchanges);
                    stop.Wait(20);
                }
            }
            catch (SocketException)
            {
                chattyFailed = true;
            }
        });
        chatter.Start();
        await quietClosed.WaitAsync(TimeSpan.FromSeconds(30));
        watch.Elapsed.Should().BeGreaterThanOrEqualTo(idle);
        await quiet.Awaiting(s => s.ReceiveToEndAsync()).Should().ThrowAsync<SocketException>("an idle connection is reset");

        // Let the chatty client go on past the quiet one's timeout, then stop it.
        int atClose = Volatile.Read(ref exchanges);
        SpinWait.SpinUntil(() => Volatile.Read(ref exchanges) >= atClose + 10 || chattyFailed, TimeSpan.FromSeconds(30));
        stop.Set();
        chatter.Join(TimeSpan.FromSeconds(30)).Should().BeTrue();

        harness.Handler.Closed.Should().OnlyContain(c => c.Reason == CloseReason.IdleTimeout);
        if (maxGap < idle * 0.7)
        {
            chattyFailed.Should().BeFalse("a connection that talked every few milliseconds is not idle");
            harness.Handler.Closed.Should().ContainSingle("the active connection is still open");
        }
        // else: the machine stalled the chatty thread for most of a timeout, so it was idle after all.
    }
}
