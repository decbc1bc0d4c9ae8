using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using ReactorNet.Tcp;
using ReactorNet.Tests.Loop;
using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Tcp;

/// <summary>What disposing a reactor does to the connections, connects and listeners living on it.</summary>
[Collection(DescriptorCountingCollection.Name)]
public sealed class ReactorDisposeTests
{
    private static readonly IPEndPoint AnyLoopbackPort = new(IPAddress.Loopback, 0);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Disposing_the_reactor_tells_every_connection_Shutdown_exactly_once(bool fromACallback)
    {
        var reactor = new Reactor();
        reactor.Start();
        Task loop = reactor.Completion;
        var handler = new RecordingHandler();
        var server = new TcpServer(reactor, AnyLoopbackPort, () => handler);
        var clients = new List<Socket>();
        try
        {
            for (int i = 0; i < 5; i++)
            {
                var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
                clients.Add(client);
                await client.ConnectAsync(server.LocalEndPoint).WaitAsync(LoopHarness.Timeout);
            }
            var outgoing = new List<TcpConnection>();
            for (int i = 0; i < 5; i++)
            {
                outgoing.Add(await TcpConnection.ConnectAsync(reactor, server.LocalEndPoint, handler).WaitAsync(LoopHarness.Timeout));
            }
            // 5 accepted for the plain clients, 5 accepted for the reactor's own clients, 5 clients.
            SpinWait.SpinUntil(() => handler.Opened.Count == 15, LoopHarness.Timeout).Should().BeTrue();
            server.ConnectionCount.Should().Be(10);

            if (fromACallback)
            {
                reactor.Post(reactor.Dispose);
                loop.Wait(LoopHarness.Timeout).Should().BeTrue();
            }
            else
            {
                reactor.Dispose();
            }

            handler.ClosedCount.Should().Be(15, "every connection hears of the shutdown by the time the loop has ended");
            foreach (TcpConnection connection in handler.Opened.Keys)
            {
                handler.Closes[connection].Should().Equal([CloseReason.Shutdown], "OnClosed(Shutdown) exactly once for {0}", connection.Id);
                connection.IsClosed.Should().BeTrue();
                connection.TrySend(new byte[16]).Should().BeFalse("a closed connection refuses data, without throwing");
                connection.Close();
                connection.Abort();
            }
            server.ConnectionCount.Should().Be(0);
            server.Dispose();
            handler.ClosedCount.Should().Be(15, "nothing is reported twice");
            foreach (Socket client in clients)
            {
                // The server side was reset: the plain clients see the end of the connection.
                var buffer = new byte[1];
                Func<Task<int>> read = async () => await client.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).AsTask().WaitAsync(LoopHarness.Timeout);
                try
                {
                    (await read()).Should().Be(0);
                }
                catch (SocketException ex)
                {
                    ex.SocketErrorCode.Should().Be(SocketError.ConnectionReset);
                }
            }
            loop.Wait(LoopHarness.Timeout).Should().BeTrue();
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
            reactor.Dispose();
        }
    }

    [Fact]
    public async Task Pending_connects_fail_when_the_reactor_is_disposed_and_their_sockets_are_closed()
    {
        using var listener = BlockedListener.Create();
        var reactor = new Reactor();
        reactor.Start();
        Task loop = reactor.Completion;
        var attempts = Enumerable.Range(0, 3)
            .Select(_ => TcpConnection.ConnectAsync(reactor, listener.EndPoint, new RecordingHandler()))
            .ToList();
        SpinWait.SpinUntil(() => KernelTcp.ConnectsInFlightTo(listener.EndPoint.Port) == 3, LoopHarness.Timeout);
        KernelTcp.ConnectsInFlightTo(listener.EndPoint.Port).Should().Be(3, "the handshakes hang: the listener's queue is full; {0}", string.Join(",", attempts.Select(a => a.Status)));

        reactor.Dispose();

        foreach (Task<TcpConnection> attempt in attempts)
        {
            await attempt.Awaiting(t => t.WaitAsync(LoopHarness.Timeout)).Should().ThrowAsync<ObjectDisposedException>();
        }
        KernelTcp.ConnectsInFlightTo(listener.EndPoint.Port).Should().Be(0, "the connecting sockets were closed");
        loop.Wait(LoopHarness.Timeout).Should().BeTrue();
    }

    [Fact]
    public void ConnectAsync_on_a_disposed_reactor_fails_at_once()
    {
        var reactor = new Reactor();
        reactor.Dispose();
        Task<TcpConnection> attempt = TcpConnection.ConnectAsync(reactor, new IPEndPoint(IPAddress.Loopback, 9), new RecordingHandler());
        attempt.IsFaulted.Should().BeTrue();
        attempt.Exception!.InnerException.Should().BeOfType<ObjectDisposedException>();
    }

    [Fact]
    public async Task Concurrent_ConnectAsync_before_Start_keeps_the_registration_table_whole()
    {
        using var serverLoop = new LoopHarness();
        var serverHandler = new RecordingHandler();
        using var server = new TcpServer(serverLoop.Reactor, AnyLoopbackPort, () => serverHandler);
        var client = new Reactor();
        try
        {
            const int Threads = 8, PerThread = 100;
            var handler = new RecordingHandler();
            var attempts = new Task<TcpConnection>[Threads * PerThread];
            using var go = new ManualResetEventSlim();
            var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
            {
                go.Wait();
                for (int i = 0; i < PerThread; i++)
                {
                    attempts[(t * PerThread) + i] = TcpConnection.ConnectAsync(client, server.LocalEndPoint, handler);
                }
            })).ToList();
            threads.ForEach(t => t.Start());
            go.Set();
            threads.ForEach(t => t.Join(LoopHarness.Timeout).Should().BeTrue());

            client.Start();
            Task loop = client.Completion;
            TcpConnection[] connections = await Task.WhenAll(attempts).WaitAsync(LoopHarness.Timeout);
            connections.Should().OnlyHaveUniqueItems().And.OnlyContain(c => !c.IsClosed);
            client.Invoke(() => client.RegistrationCount).Should().Be(Threads * PerThread, "one registration per live connection");
            client.Dispose();
            loop.Wait(LoopHarness.Timeout).Should().BeTrue();
            handler.ClosedCount.Should().Be(Threads * PerThread);
        }
        finally
        {
            client.Dispose();
        }
    }

    [Fact]
    public async Task ConnectAsync_fails_with_the_exception_OnConnected_threw()
    {
        using var harness = new EchoServerHarness();
        var boom = new InvalidOperationException("boom");
        var handler = new RecordingHandler { OnConnectedHook = _ => throw boom };
        Task<TcpConnection> attempt = TcpConnection.ConnectAsync(harness.Loop.Reactor, harness.Server.LocalEndPoint, handler);
        (await attempt.Awaiting(t => t.WaitAsync(LoopHarness.Timeout)).Should().ThrowAsync<InvalidOperationException>()).Which.Should().BeSameAs(boom);
        handler.Closes.Values.Single().Should().Equal([CloseReason.HandlerFault]);
    }

    /// <summary>
    /// A connect that completes at once (a Unix socket, from the loop thread) must not leave its
    /// cancellation registration on the caller's long-lived token: it would keep the connector, the
    /// connection and its handler alive as long as the token.
    /// </summary>
    [Fact]
    public void ConnectAsync_leaves_no_registration_on_a_long_lived_token()
    {
        string path = Path.Combine(Path.GetTempPath(), $"reactornet-{Guid.NewGuid():N}.sock");
        using var harness = new EchoServerHarness(endPoint: new UnixDomainSocketEndPoint(path));
        using var longLived = new CancellationTokenSource();
        WeakReference[] handlers = ConnectAndAbort(harness.Loop, harness.Server.LocalEndPoint, longLived.Token, 50);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        handlers.Count(h => h.IsAlive).Should().Be(0, "nothing but the token could still hold the handlers");
        GC.KeepAlive(longLived);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference[] ConnectAndAbort(LoopHarness loop, EndPoint endPoint, CancellationToken token, int count) =>
        loop.Invoke(() =>
        {
            var handlers = new WeakReference[count];
            for (int i = 0; i < count; i++)
            {
                var handler = new RecordingHandler();
                handlers[i] = new WeakReference(handler);
                Task<TcpConnection> attempt = TcpConnection.ConnectAsync(loop.Reactor, endPoint, handler, cancellationToken: token);
                attempt.IsCompletedSuccessfully.Should().BeTrue("a Unix connect from the loop thread completes at once");
                attempt.Result.Abort();
                handler.Opened.Clear();
                handler.Closes.Clear();
            }
            return handlers;
        });
}

/// <summary>A listening socket whose accept queue is full, so that a new handshake hangs in SYN_SENT.</summary>
internal sealed class BlockedListener : IDisposable
{
    private readonly Socket _listener;
    private readonly List<Socket> _queued = [];

    private BlockedListener(Socket listener)
    {
        _listener = listener;
        EndPoint = (IPEndPoint)listener.LocalEndPoint!;
    }

    public IPEndPoint EndPoint { get; }

    public static BlockedListener Create()
    {
        var listener = new Socket(SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var blocked = new BlockedListener(listener);
        // Connect (never accepted) until the kernel stops completing handshakes for this listener.
        for (int i = 0; i < 16; i++)
        {
            var filler = new Socket(SocketType.Stream, ProtocolType.Tcp);
            using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            try
            {
                filler.ConnectAsync(blocked.EndPoint, wait.Token).AsTask().GetAwaiter().GetResult();
                blocked._queued.Add(filler);
            }
            catch (OperationCanceledException)
            {
                filler.Dispose(); // this one hung: the queue is full
                SpinWait.SpinUntil(() => KernelTcp.ConnectsInFlightTo(blocked.EndPoint.Port) == 0, LoopHarness.Timeout);
                return blocked;
            }
        }
        blocked.Dispose();
        throw new InvalidOperationException("The kernel kept completing handshakes on a listener with a full queue.");
    }

    public void Dispose()
    {
        _queued.ForEach(s => s.Dispose());
        _listener.Dispose();
    }
}
