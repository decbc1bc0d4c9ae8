using System.Net;
using System.Net.Sockets;
using ReactorNet.Tcp;
using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Tcp;

/// <summary>The timeout semantics applied to the transport's options and to ConnectAsync (C1, B5, m5).</summary>
public sealed class TimeoutOptionTests
{
    public static TheoryData<string> NeverSpans => new() { "MaxValue", "Infinite", "300 years" };

    private static TimeSpan Span(string name) => name switch
    {
        "MaxValue" => TimeSpan.MaxValue,
        "Infinite" => Timeout.InfiniteTimeSpan,
        _ => TimeSpan.FromDays(300 * 365.25),
    };

    [Theory]
    [MemberData(nameof(NeverSpans))]
    public async Task An_idle_timeout_of_never_keeps_the_loop_responsive_and_Dispose_returns(string never)
    {
        var harness = new EchoServerHarness(new TcpServerOptions { Connection = new TcpConnectionOptions { IdleTimeout = Span(never) } });
        using Socket client = await harness.ConnectClientAsync();
        await client.SendAsync("ping"u8.ToArray(), SocketFlags.None);
        (await client.ReceiveExactlyAsync(4)).Should().Equal("ping"u8.ToArray());

        // A posted item runs: the loop is not stuck re-arming an overflowed idle timer.
        var posted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Loop.Reactor.Post(() => posted.SetResult());
        (await Task.WhenAny(posted.Task, Task.Delay(LoopHarness.Timeout))).Should().BeSameAs(posted.Task, "the loop must answer");
        harness.Server.ConnectionCount.Should().Be(1);
        Task.Run(harness.Dispose).Wait(LoopHarness.Timeout).Should().BeTrue("Dispose must return");
    }

    [Theory]
    [MemberData(nameof(NeverSpans))]
    public async Task A_close_timeout_of_never_waits_for_the_peers_FIN_instead_of_resetting_at_once(string never)
    {
        var handler = new CloseOnConnect();
        using var loop = new LoopHarness();
        using var server = new TcpServer(loop.Reactor, new IPEndPoint(IPAddress.Loopback, 0), () => handler,
            new TcpServerOptions { Connection = new TcpConnectionOptions { CloseTimeout = Span(never) } });
        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(server.LocalEndPoint).WaitAsync(LoopHarness.Timeout);

        // The server's FIN arrives (a graceful close), and the server then waits for ours...
        (await client.ReceiveToEndAsync()).Should().BeEmpty();
        loop.WaitRounds(3);
        handler.Closed.Task.IsCompleted.Should().BeFalse("the close timer must not fire at once");

        // ...for as long as it takes: our FIN completes a graceful close.
        client.Shutdown(SocketShutdown.Send);
        (await handler.Closed.Task.WaitAsync(LoopHarness.Timeout)).Should().Be(CloseReason.Graceful);
    }

    [Fact]
    public void A_negative_timeout_option_is_rejected_where_it_is_configured()
    {
        using var loop = new LoopHarness();
        var bad = new TcpServerOptions { Connection = new TcpConnectionOptions { IdleTimeout = TimeSpan.FromSeconds(-1) } };
        FluentActions.Invoking(() => new TcpServer(loop.Reactor, new IPEndPoint(IPAddress.Loopback, 0), () => new EchoHandler(), bad))
            .Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("IdleTimeout");
        var badClose = new TcpConnectionOptions { CloseTimeout = TimeSpan.FromMilliseconds(-5) };
        FluentActions.Invoking(() => { _ = TcpConnection.ConnectAsync(loop.Reactor, new IPEndPoint(IPAddress.Loopback, 1), new EchoHandler(), badClose); })
            .Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("CloseTimeout");
        loop.Invoke(() => loop.Reactor.RegistrationCount).Should().Be(0, "nothing was started");
    }

    private sealed class CloseOnConnect : IConnectionHandler
    {
        public TaskCompletionSource<CloseReason> Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnConnected(TcpConnection connection) => connection.Close();

        public int OnData(TcpConnection connection, ReadOnlySpan<byte> data)
        {
            return data.Length;
        }

        public void OnClosed(TcpConnection connection, CloseReason reason, Exception? error) => Closed.TrySetResult(reason);
    }
}
