using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using ReactorNet.Tcp;
using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Tcp;

/// <summary>
/// Finding 6: handler callbacks are isolated inside the transport, but an exception of the
/// transport itself (a bug, an out-of-memory in a pool rent) escaping <c>TcpConnection</c>'s
/// <c>OnEvent</c> used to reach the reactor, which removed the registration and closed the
/// descriptor behind the connection's back: no <c>OnClosed</c>, the server still counted it, its
/// timers still ran. The fault is injected through an internal hook at the start of the dispatch.
/// </summary>
public sealed class TransportFaultTests
{
    [Fact]
    public async Task An_exception_escaping_the_transport_closes_the_connection_and_calls_OnClosed_exactly_once()
    {
        var log = new CapturingLoggerFactory();
        using var loop = new LoopHarness(new ReactorOptions { LoggerFactory = log });
        var injected = new OutOfMemoryException("injected: a pool rent failed");
        var handler = new FaultRecordingHandler(firstConnection => firstConnection.FaultHook = () => throw injected);
        using var server = new TcpServer(loop.Reactor, new IPEndPoint(IPAddress.Loopback, 0), () => handler);
        using var faulty = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await faulty.ConnectAsync(server.LocalEndPoint).WaitAsync(LoopHarness.Timeout);
        using var healthy = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await healthy.ConnectAsync(server.LocalEndPoint).WaitAsync(LoopHarness.Timeout);
        await handler.Connected(2).WaitAsync(LoopHarness.Timeout);

        faulty.Send([1]); // the server's next event for this connection throws inside the transport
        await ReceiveEndAsync(faulty);
        loop.WaitRounds(3); // whatever the loop does about the fault is done by now

        TcpConnection victim = handler.Order.First();
        handler.Closes.Keys.Should().Equal([victim], "only the faulty connection closed");
        handler.Closes[victim].Should().ContainSingle("OnClosed runs exactly once")
            .Which.Should().Be((CloseReason.HandlerFault, (Exception)injected));
        victim.IsClosed.Should().BeTrue();
        server.ConnectionCount.Should().Be(1, "the server no longer counts the faulty connection");
        log.Entries.Should().Contain(e => e.Level == LogLevel.Error && ReferenceEquals(e.Exception, injected), "the fault is logged with its exception");

        healthy.Send([7, 8, 9]);
        (await healthy.ReceiveExactlyAsync(3)).Should().Equal(7, 8, 9);
        loop.Invoke(() => loop.Reactor.RegistrationCount).Should().Be(2, "the listener and the healthy connection");
    }

    /// <summary>
    /// The same fault while a batch is written outside the connection's own dispatch: output
    /// gathered by posted work (written right before the loop blocks, with other connections'
    /// batches) and a send from another thread (written by its posted drain). Before, the first
    /// escaped the loop's before-block step and crashed the loop, so the other connection's batch
    /// was never written; the second left the connection gathering for ever.
    /// </summary>
    [Theory]
    [InlineData("posted work")]
    [InlineData("other thread")]
    public async Task A_fault_while_a_batch_is_written_outside_a_dispatch_resets_only_that_connection(string sender)
    {
        var log = new CapturingLoggerFactory();
        using var loop = new LoopHarness(new ReactorOptions { LoggerFactory = log });
        var injected = new OutOfMemoryException("injected: a pool rent failed");
        var handler = new FaultRecordingHandler(_ => { });
        using var server = new TcpServer(loop.Reactor, new IPEndPoint(IPAddress.Loopback, 0), () => handler);
        using var faulty = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await faulty.ConnectAsync(server.LocalEndPoint).WaitAsync(LoopHarness.Timeout);
        await handler.Connected(1).WaitAsync(LoopHarness.Timeout);
        using var healthy = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await healthy.ConnectAsync(server.LocalEndPoint).WaitAsync(LoopHarness.Timeout);
        await handler.Connected(2).WaitAsync(LoopHarness.Timeout);
        TcpConnection victim = handler.Order.First();
        TcpConnection other = handler.Order.Last();
        loop.Invoke(() => victim.FaultHook = () => throw injected);

        if (sender == "posted work")
        {
            loop.Invoke(() =>
            {
                victim.TrySend("lost"u8).Should().BeTrue(); // both batches wait for the loop's before-block step
                other.TrySend("kept"u8).Should().BeTrue();
            });
        }
        else
        {
            victim.TrySend("lost"u8).Should().BeTrue();
            other.TrySend("kept"u8).Should().BeTrue();
        }
        await ReceiveEndAsync(faulty);
        (await healthy.ReceiveExactlyAsync(4)).Should().Equal("kept"u8.ToArray());

        loop.Invoke(() => 0).Should().Be(0, "the loop still runs");
        handler.Closes.Keys.Should().Equal([victim], "only the faulty connection closed");
        handler.Closes[victim].Should().ContainSingle("OnClosed runs exactly once")
            .Which.Should().Be((CloseReason.HandlerFault, (Exception)injected));
        loop.Reactor.Completion.IsCompleted.Should().BeFalse();
        log.Entries.Should().Contain(e => e.Level == LogLevel.Error && ReferenceEquals(e.Exception, injected));
        healthy.Send([5]);
        (await healthy.ReceiveExactlyAsync(1)).Should().Equal(5);
    }

    /// <summary>
    /// The same fault in the connection's own work that the loop runs outside its dispatch: a
    /// timer (the close timer after a graceful Close, the write-stall timer) or work posted for it
    /// (a Close from another thread). Before, the exception reached the loop, which logged it as a
    /// failed callback and left the connection open: no OnClosed, still counted by its server,
    /// its descriptor kept (the peer never heard of the close).
    /// </summary>
    [Theory]
    [InlineData("close timer")]
    [InlineData("write-stall timer")]
    [InlineData("close from another thread")]
    public async Task A_fault_in_a_connection_timer_or_posted_work_resets_that_connection_and_calls_OnClosed_once(string work)
    {
        var log = new CapturingLoggerFactory();
        using var loop = new LoopHarness(new ReactorOptions { LoggerFactory = log });
        var injected = new OutOfMemoryException("injected: a pool rent failed");
        void Inject(TcpConnection c) => c.FaultHook = () => throw injected;
        var handler = new ScriptedHandler
        {
            Connected = c =>
            {
                if (work == "close timer")
                {
                    c.Close(); // FIN now; the peer never answers with its own, so the close timer fires
                    Inject(c);
                }
                else if (work == "write-stall timer")
                {
                    c.TrySend(new byte[8 << 20]).Should().BeTrue(); // the peer never reads
                }
            },
            // Reported when the batch has been written as far as the kernel takes it: the write-stall
            // timer is armed, and nothing but that timer runs the connection's work from here on.
            WritabilityChanged = (c, writable) =>
            {
                if (!writable && work == "write-stall timer")
                {
                    Inject(c);
                }
            },
        };
        var options = new TcpConnectionOptions
        {
            CloseTimeout = TimeSpan.FromMilliseconds(50),
            WriteStallTimeout = TimeSpan.FromMilliseconds(100),
            MaxPendingOutputBytes = 16 << 20,
        };
        using var server = new TcpServer(loop.Reactor, new IPEndPoint(IPAddress.Loopback, 0), () => handler, new TcpServerOptions { Connection = options });
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 16 * 1024 };
        try
        {
            await client.ConnectAsync(server.LocalEndPoint).WaitAsync(LoopHarness.Timeout);
        }
        catch (SocketException) when (work != "close from another thread")
        {
            // The reset can reach the client before it hears of its connect (a loaded machine).
        }
        TcpConnection connection = await handler.ConnectedTask.Task.WaitAsync(LoopHarness.Timeout);
        if (work == "close from another thread")
        {
            loop.Invoke(() => Inject(connection));
            connection.Close();
        }

        (await handler.ClosedTask.Task.WaitAsync(LoopHarness.Timeout)).Should().Be(CloseReason.HandlerFault);
        loop.Invoke(() => server.ConnectionCount).Should().Be(0, "the server no longer counts the connection");
        connection.CloseError.Should().BeSameAs(injected);
        loop.Reactor.Completion.IsCompleted.Should().BeFalse();
        log.Entries.Should().Contain(e => e.Level == LogLevel.Error && ReferenceEquals(e.Exception, injected) && e.Message.Contains("transport failed", StringComparison.Ordinal));
        log.Entries.Should().NotContain(e => e.Message.Contains("posted callback or timer threw", StringComparison.Ordinal), "the fault stays with the connection");
    }

    /// <summary>Waits until the peer's end of <paramref name="socket"/> is gone: EOF or a reset.</summary>
    private static async Task ReceiveEndAsync(Socket socket)
    {
        var buffer = new byte[16];
        try
        {
            while (await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).AsTask().WaitAsync(LoopHarness.Timeout) > 0)
            {
            }
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
        }
    }

    /// <summary>Records the connections in the order they opened and every OnClosed with its error.</summary>
    private sealed class FaultRecordingHandler(Action<TcpConnection> onFirstConnected) : IConnectionHandler
    {
        private readonly TaskCompletionSource[] _connected = [new(TaskCreationOptions.RunContinuationsAsynchronously), new(TaskCreationOptions.RunContinuationsAsynchronously)];

        public ConcurrentQueue<TcpConnection> Order { get; } = new();

        public ConcurrentDictionary<TcpConnection, ConcurrentQueue<(CloseReason, Exception?)>> Closes { get; } = new();

        public Task Connected(int count) => _connected[count - 1].Task;

        public void OnConnected(TcpConnection connection)
        {
            Order.Enqueue(connection);
            if (Order.Count == 1)
            {
                onFirstConnected(connection);
            }
            _connected[Math.Min(Order.Count, _connected.Length) - 1].TrySetResult();
        }

        public int OnData(TcpConnection connection, ReadOnlySpan<byte> data)
        {
            connection.TrySend(data);
            return data.Length;
        }

        public void OnClosed(TcpConnection connection, CloseReason reason, Exception? error) =>
            Closes.GetOrAdd(connection, _ => new ConcurrentQueue<(CloseReason, Exception?)>()).Enqueue((reason, error));
    }
}
