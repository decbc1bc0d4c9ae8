using System.Net.Sockets;
using System.Text;
using ReactorNet.Tcp;

namespace ReactorNet.Tests.Tcp;

public sealed class CloseSemanticsTests
{
    [Fact]
    public async Task Peer_reset_mid_stream_closes_once_and_other_connections_are_unaffected()
    {
        using var harness = new EchoServerHarness();
        using Socket bystander = await harness.ConnectClientAsync();
        Socket victim = await harness.ConnectClientAsync();
        await victim.SendAsync("some data"u8.ToArray(), SocketFlags.None);
        (await victim.ReceiveExactlyAsync(9)).Should().Equal("some data"u8.ToArray());

        victim.LingerState = new LingerOption(true, 0); // close() now sends RST
        victim.Close();
        await harness.Handler.WhenClosed(1).WaitAsync(TimeSpan.FromSeconds(20));

        harness.Handler.Closed.Should().ContainSingle().Which.Reason.Should().Be(CloseReason.Reset);
        await bystander.SendAsync("still here"u8.ToArray(), SocketFlags.None);
        (await bystander.ReceiveExactlyAsync(10)).Should().Equal("still here"u8.ToArray());
        harness.Loop.WaitRounds(10);
        harness.Handler.Closed.Should().HaveCount(1, "OnClosed fires exactly once");
        harness.Server.ConnectionCount.Should().Be(1);
    }

    [Fact]
    public async Task Half_close_the_server_echoes_everything_then_closes_and_the_client_reads_it_all()
    {
        using var harness = new EchoServerHarness();
        using Socket client = await harness.ConnectClientAsync();
        byte[] payload = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("half-close ", 20_000)));
        await client.SendAsync(payload, SocketFlags.None);
        client.Shutdown(SocketShutdown.Send);

        (await client.ReceiveToEndAsync()).Should().Equal(payload);
        await harness.Handler.WhenClosed(1).WaitAsync(TimeSpan.FromSeconds(20));
        harness.Handler.Closed.Single().Reason.Should().Be(CloseReason.Graceful);
    }

    [Fact]
    public async Task After_the_peers_FIN_the_application_may_still_send()
    {
        var handler = new LateReplyHandler();
        using var loop = new Support.LoopHarness();
        using var server = new TcpServer(loop.Reactor, new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0), () => handler);
        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(server.LocalEndPoint);
        await client.SendAsync("question"u8.ToArray(), SocketFlags.None);
        client.Shutdown(SocketShutdown.Send);

        (await client.ReceiveToEndAsync()).Should().Equal("answer after your FIN"u8.ToArray());
        (await handler.Closed.Task.WaitAsync(TimeSpan.FromSeconds(20))).Should().Be(CloseReason.Graceful);
        handler.SawPeerFin.Should().BeTrue();
    }

    private sealed class LateReplyHandler : IConnectionHandler
    {
        public bool SawPeerFin { get; private set; }

        public TaskCompletionSource<CloseReason> Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int OnData(TcpConnection connection, ReadOnlySpan<byte> data)
        {
            return data.Length;
        }

        public void OnInputShutdown(TcpConnection connection)
        {
            SawPeerFin = connection.IsInputShutdown;
            // Reply later, from a timer: the connection is half-open, we can still send.
            connection.Reactor.Schedule(TimeSpan.FromMilliseconds(20), () =>
            {
                connection.TrySend("answer after your FIN"u8).Should().BeTrue();
                connection.Close();
            });
        }

        public void OnClosed(TcpConnection connection, CloseReason reason, Exception? error) => Closed.TrySetResult(reason);
    }

    [Fact]
    public async Task Abort_sends_RST_and_reports_Aborted()
    {
        var handler = new AbortingHandler();
        using var loop = new Support.LoopHarness();
        using var server = new TcpServer(loop.Reactor, new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0), () => handler);
        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(server.LocalEndPoint);
        await client.SendAsync("x"u8.ToArray(), SocketFlags.None);

        var receive = async () => await client.ReceiveToEndAsync();
        (await receive.Should().ThrowAsync<SocketException>()).Which.SocketErrorCode.Should().Be(SocketError.ConnectionReset);
        (await handler.Closed.Task.WaitAsync(TimeSpan.FromSeconds(20))).Should().Be(CloseReason.Aborted);
    }

    private sealed class AbortingHandler : IConnectionHandler
    {
        public TaskCompletionSource<CloseReason> Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int OnData(TcpConnection connection, ReadOnlySpan<byte> data)
        {
            connection.Abort();
            connection.TrySend("too late"u8).Should().BeFalse("an aborted connection refuses output");
            return data.Length;
        }

        public void OnClosed(TcpConnection connection, CloseReason reason, Exception? error) => Closed.TrySetResult(reason);
    }

    [Fact]
    public async Task A_throwing_handler_aborts_only_its_connection()
    {
        var log = new Support.CapturingLoggerFactory();
        var handler = new ThrowOnBangHandler();
        using var loop = new Support.LoopHarness(new ReactorOptions { LoggerFactory = log });
        using var server = new TcpServer(loop.Reactor, new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0), () => handler);
        using var good = new Socket(SocketType.Stream, ProtocolType.Tcp);
        using var bad = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await good.ConnectAsync(server.LocalEndPoint);
        await bad.ConnectAsync(server.LocalEndPoint);

        await bad.SendAsync("!"u8.ToArray(), SocketFlags.None);
        (await handler.Closed.Task.WaitAsync(TimeSpan.FromSeconds(20))).Should().Be((CloseReason.HandlerFault, "bang"));
        await good.SendAsync("ok"u8.ToArray(), SocketFlags.None);
        (await good.ReceiveExactlyAsync(2)).Should().Equal("ok"u8.ToArray());
        log.Entries.Should().Contain(e => e.Exception != null && e.Exception.Message == "bang");
    }

    private sealed class ThrowOnBangHandler : IConnectionHandler
    {
        public TaskCompletionSource<(CloseReason, string?)> Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int OnData(TcpConnection connection, ReadOnlySpan<byte> data)
        {
            if (data[0] == (byte)'!')
            {
                throw new InvalidOperationException("bang");
            }
            connection.TrySend(data);
            return data.Length;
        }

        public void OnClosed(TcpConnection connection, CloseReason reason, Exception? error) => Closed.TrySetResult((reason, error?.Message));
    }

    [Fact]
    public async Task Graceful_close_waits_for_the_peers_FIN_at_most_CloseTimeout()
    {
        var handler = new CloseOnConnectHandler();
        using var loop = new Support.LoopHarness();
        var options = new TcpServerOptions { Connection = new TcpConnectionOptions { CloseTimeout = TimeSpan.FromMilliseconds(500) } };
        using var server = new TcpServer(loop.Reactor, new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0), () => handler, options);
        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
        // A blocking connect completes at the handshake; an async one could still be checking
        // SO_ERROR when the server, which closes at once, already reset the connection.
        client.Connect(server.LocalEndPoint);
        // The client reads the server's FIN but never sends its own.
        (await client.ReceiveToEndAsync()).Should().Equal("bye"u8.ToArray());
        (await handler.Closed.Task.WaitAsync(TimeSpan.FromSeconds(20))).Should().Be(CloseReason.CloseTimeout);
    }

    private sealed class CloseOnConnectHandler : IConnectionHandler
    {
        public TaskCompletionSource<CloseReason> Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnConnected(TcpConnection connection)
        {
            connection.TrySend("bye"u8);
            connection.Close();
        }

        public int OnData(TcpConnection connection, ReadOnlySpan<byte> data)
        {
            return data.Length;
        }

        public void OnClosed(TcpConnection connection, CloseReason reason, Exception? error) => Closed.TrySetResult(reason);
    }

    [Fact]
    public async Task Server_dispose_aborts_connections_with_reason_Shutdown_and_ShutdownAsync_closes_gracefully()
    {
        var harness = new EchoServerHarness();
        using Socket graceful = await harness.ConnectClientAsync();
        await graceful.SendAsync("x"u8.ToArray(), SocketFlags.None);
        (await graceful.ReceiveExactlyAsync(1)).Should().HaveCount(1);

        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var shutdown = harness.Server.ShutdownAsync(grace.Token);
        (await graceful.ReceiveToEndAsync()).Should().BeEmpty("the server sent FIN");
        graceful.Shutdown(SocketShutdown.Send);
        (await shutdown.WaitAsync(TimeSpan.FromSeconds(20))).IsComplete.Should().BeTrue("every connection finished within the timeout");
        harness.Handler.Closed.Should().ContainSingle().Which.Reason.Should().Be(CloseReason.Graceful);
        harness.Dispose();

        using var second = new EchoServerHarness();
        using Socket aborted = await second.ConnectClientAsync();
        await aborted.SendAsync("y"u8.ToArray(), SocketFlags.None);
        (await aborted.ReceiveExactlyAsync(1)).Should().HaveCount(1);
        second.Server.Dispose();
        await second.Handler.WhenClosed(1).WaitAsync(TimeSpan.FromSeconds(20));
        second.Handler.Closed.Single().Reason.Should().Be(CloseReason.Shutdown);
    }
}
