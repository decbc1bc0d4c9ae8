using System.Net.Sockets;
using ReactorNet.Tcp;
using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Tcp;

/// <summary>
/// One sweep per loop watches every connection's idle timeout (no timer per connection): many
/// connections going idle together all close, none before its timeout, and the sweep starts
/// again for connections that come after the loop had none left to watch.
/// </summary>
public sealed class IdleSweepTests
{
    [Fact]
    public async Task Every_idle_connection_closes_after_its_timeout_and_a_later_batch_is_watched_again()
    {
        var idle = TimeSpan.FromMilliseconds(300);
        using var harness = new EchoServerHarness(new TcpServerOptions { Connection = new TcpConnectionOptions { IdleTimeout = idle } });
        for (int batch = 1; batch <= 2; batch++)
        {
            const int Count = 40;
            var watch = System.Diagnostics.Stopwatch.StartNew(); // before connecting: each server clock starts later, at accept
            var closed = harness.Handler.WhenClosed(batch * Count);
            var clients = new List<Socket>();
            try
            {
                await ConnectClientsAsync(harness, Count, clients);
                await closed.WaitAsync(LoopHarness.Timeout);
                watch.Elapsed.Should().BeGreaterThanOrEqualTo(idle, "no connection closes before its idle timeout");
                foreach (Socket client in clients.Where(c => c.Connected))
                {
                    await client.Awaiting(s => s.ReceiveToEndAsync()).Should().ThrowAsync<SocketException>("an idle connection is reset");
                }
            }
            finally
            {
                clients.ForEach(c => c.Dispose());
            }
            harness.Handler.Closed.Should().HaveCount(batch * Count).And.OnlyContain(c => c.Reason == CloseReason.IdleTimeout);
        }
    }

    /// <summary>
    /// A logger that throws on the idle-timeout line (an application's bug) must not stop the sweep:
    /// the connection it was about is still closed, and the loop's other idle connections still
    /// time out. The sweep used to end at the exception and never arm its timer again.
    /// </summary>
    [Fact]
    public async Task A_logger_that_throws_on_the_idle_timeout_line_stops_neither_that_close_nor_the_others()
    {
        using EchoServerHarness harness = await EveryIdleClientClosesDespiteAThrowingLoggerAsync(
            line => line.EndsWith("idle timeout", StringComparison.Ordinal), count: 5);
    }

    /// <summary>
    /// A connection made while no loop runs (a Unix-socket connect completes at once, on the
    /// calling thread, before <see cref="Reactor.Start"/>) starts its idle clock when it is made.
    /// It was started at the loop's last round, which for a loop that never ran is the machine's
    /// boot: the sweep closed the connection as soon as the loop started.
    /// </summary>
    [Fact]
    public async Task A_connection_made_before_its_loop_runs_is_not_timed_out_when_the_loop_starts()
    {
        var idle = TimeSpan.FromMinutes(1); // far longer than this test, far shorter than the machine's uptime
        var endPoint = new UnixDomainSocketEndPoint($"\0reactornet-idle-{Guid.NewGuid():N}");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(endPoint);
        listener.Listen(4); // never accepts: the connection is made all the same, and stays idle
        using var reactor = new Reactor();
        var handler = new CollectingHandler();
        TcpConnection connection = await TcpConnection.ConnectAsync(reactor, endPoint, handler, new TcpConnectionOptions { IdleTimeout = idle })
            .WaitAsync(LoopHarness.Timeout);
        connection.IsClosed.Should().BeFalse("the test needs the connection made before the loop runs");

        reactor.Start();
        // Due after the sweep's timer, which the connection armed when it was made: when this runs,
        // the loop has run the sweep if it was due.
        var closedWhenLooked = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        reactor.Schedule(TimeSpan.FromMilliseconds(20), () => closedWhenLooked.TrySetResult(connection.IsClosed));
        (await closedWhenLooked.Task.WaitAsync(LoopHarness.Timeout)).Should().BeFalse("the connection was made a moment ago, not idle for a minute");
        handler.Closed.Task.IsCompleted.Should().BeFalse();
    }

    /// <summary>
    /// A closed connection is out of the sweep's table, whichever slot it held: a swap-remove of
    /// the table's last connection that moves it onto its own slot must not give it its index back
    /// (the sweep's own table did, so a closed connection still looked watched).
    /// </summary>
    [Fact]
    public async Task A_closed_connection_is_no_longer_watched_whichever_slot_it_held()
    {
        const int Count = 3;
        using var harness = new EchoServerHarness(new TcpServerOptions { Connection = new TcpConnectionOptions { IdleTimeout = TimeSpan.FromMinutes(1) } });
        var trackedAtClose = new System.Collections.Concurrent.ConcurrentQueue<bool>();
        harness.Handler.ClosedEvent += (connection, _) => trackedAtClose.Enqueue(connection.IsIdleTracked); // on the loop, after the close left the sweep
        var closed = harness.Handler.WhenClosed(Count);
        var clients = new List<Socket>();
        for (int i = 0; i < Count; i++)
        {
            clients.Add(await harness.ConnectClientAsync());
        }
        foreach (Socket client in clients)
        {
            client.Dispose(); // FIN: the server closes its end (the first client's connection holds slot 0, the last the table's last slot)
        }
        await closed.WaitAsync(LoopHarness.Timeout);
        trackedAtClose.Should().HaveCount(Count).And.OnlyContain(tracked => !tracked);
    }

    /// <summary>
    /// A logger that throws on the "connection closed" line must not keep the close from the
    /// handler and the server: OnClosed was skipped (the handler never heard of the idle timeout)
    /// and the server kept counting the connection, a slot of MaxConnections lost for ever.
    /// </summary>
    [Fact]
    public async Task A_logger_that_throws_on_the_closed_line_keeps_neither_the_handler_nor_the_server_from_hearing_of_the_close()
    {
        using EchoServerHarness harness = await EveryIdleClientClosesDespiteAThrowingLoggerAsync(
            line => line.Contains(" closed: IdleTimeout", StringComparison.Ordinal), count: 3);
        harness.Loop.Invoke(() => harness.Server.ConnectionCount).Should().Be(0, "the server forgot every closed connection");
    }

    /// <summary>
    /// Runs <paramref name="count"/> clients into the 200 ms idle timeout of a server whose logger
    /// throws on the lines <paramref name="throwsOn"/> picks, and checks that the logger threw and
    /// that every connection still closed for idleness. Returns the server for more checks; the
    /// caller disposes it.
    /// </summary>
    private static async Task<EchoServerHarness> EveryIdleClientClosesDespiteAThrowingLoggerAsync(Func<string, bool> throwsOn, int count)
    {
        var logger = new ThrowingLoggerFactory(throwsOn);
        var harness = new EchoServerHarness(new TcpServerOptions { Connection = new TcpConnectionOptions { IdleTimeout = TimeSpan.FromMilliseconds(200) } },
            reactorOptions: new ReactorOptions { LoggerFactory = logger });
        try
        {
            var closed = harness.Handler.WhenClosed(count);
            var clients = new List<Socket>();
            try
            {
                await ConnectClientsAsync(harness, count, clients);
                await closed.WaitAsync(LoopHarness.Timeout);
            }
            finally
            {
                clients.ForEach(c => c.Dispose());
            }
            logger.Thrown.Should().BeGreaterThan(0, "the test needs the logger to have thrown");
            harness.Handler.Closed.Should().HaveCount(count).And.OnlyContain(c => c.Reason == CloseReason.IdleTimeout);
            return harness;
        }
        catch
        {
            harness.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Connects <paramref name="count"/> clients, adding each to <paramref name="clients"/> (the
    /// caller disposes them). On a loaded machine a client may hear of its connect only after the
    /// server accepted it and its idle timeout reset it: such a connect fails here, and the
    /// connection is counted as closed by the test all the same.
    /// </summary>
    private static async Task ConnectClientsAsync(EchoServerHarness harness, int count, List<Socket> clients)
    {
        for (int i = 0; i < count; i++)
        {
            var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
            clients.Add(client);
            try
            {
                await client.ConnectAsync(harness.Server.LocalEndPoint).WaitAsync(LoopHarness.Timeout);
            }
            catch (SocketException)
            {
                // Reset by the idle timeout before the client was told: see above.
            }
        }
    }
}
