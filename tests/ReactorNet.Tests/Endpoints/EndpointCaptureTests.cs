using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using ReactorNet.Tcp;
using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Endpoints;

/// <summary>
/// The endpoints of a connection are captured when it is made (accept4's address, the connect
/// target), so they stay right after the descriptor is closed and its number reused.
/// </summary>
public sealed class EndpointCaptureTests
{
    /// <summary>Records the endpoints each connection reports in OnClosed (and reads them nowhere before).</summary>
    private sealed class EndpointRecorder : IConnectionHandler
    {
        public ConcurrentQueue<(long Id, EndPoint? Remote, EndPoint? Local, string Text)> AtClose { get; } = new();

        public SemaphoreSlim ClosedSignal { get; } = new(0);

        public int OnData(TcpConnection connection, ReadOnlySpan<byte> data)
        {
            connection.TrySend(data);
            return data.Length;
        }

        public void OnClosed(TcpConnection connection, CloseReason reason, Exception? error)
        {
            AtClose.Enqueue((connection.Id, connection.RemoteEndPoint, connection.LocalEndPoint, connection.ToString()));
            ClosedSignal.Release();
        }
    }

    private static Socket ResettingSocket()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.LingerState = new LingerOption(true, 0); // Close() sends RST
        return socket;
    }

    [Fact]
    public async Task OnClosed_reports_each_clients_own_address_while_others_reset_and_connect_on_two_loops()
    {
        const int Rounds = 300;
        using var group = new ReactorGroup(2);
        group.Start();
        Task running = group.Completion;
        var recorder = new EndpointRecorder();
        using var server = new TcpServer(group, new IPEndPoint(IPAddress.Loopback, 0), () => recorder);
        EndPoint serverEndPoint = server.LocalEndPoint;

        // Client addresses: what each client socket itself says its local endpoint is. A list, not
        // a set: a port freed by a reset may be handed to a later client, so one address can
        // belong to two connections, and each must be reported once per connection.
        var clientAddresses = new List<EndPoint>();
        var survivors = new List<Socket>();
        try
        {
            // Each round: one client that connects and stays, one that connects and resets at once,
            // so descriptor numbers are closed and reused on both loops while connections arrive.
            for (int i = 0; i < Rounds; i++)
            {
                var stays = ResettingSocket();
                survivors.Add(stays);
                await stays.ConnectAsync(serverEndPoint).WaitAsync(LoopHarness.Timeout);
                clientAddresses.Add(stays.LocalEndPoint!);

                using var resets = ResettingSocket();
                await resets.ConnectAsync(serverEndPoint).WaitAsync(LoopHarness.Timeout);
                clientAddresses.Add(resets.LocalEndPoint!);
                resets.Close();
            }
            foreach (Socket s in survivors)
            {
                s.Close();
            }
            for (int i = 0; i < 2 * Rounds; i++)
            {
                (await recorder.ClosedSignal.WaitAsync(LoopHarness.Timeout)).Should().BeTrue("every connection closes");
            }
        }
        finally
        {
            foreach (Socket s in survivors)
            {
                s.Dispose();
            }
        }

        var closed = recorder.AtClose.ToArray();
        closed.Should().HaveCount(2 * Rounds);
        closed.Select(c => c.Remote).Should().BeEquivalentTo(clientAddresses, "every OnClosed reports its own client's address, as often as clients had it");
        foreach (var c in closed)
        {
            c.Local.Should().Be(serverEndPoint);
            c.Text.Should().Contain(c.Remote!.ToString());
        }
    }

    [Fact]
    public async Task A_wildcard_listener_reports_the_concrete_local_address()
    {
        using var loop = new LoopHarness();
        var recorder = new EndpointRecorder();
        using var server = new TcpServer(loop.Reactor, new IPEndPoint(IPAddress.Any, 0), () => recorder);
        int port = ((IPEndPoint)server.LocalEndPoint).Port;
        using (var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).WaitAsync(LoopHarness.Timeout);
            (await recorder.ClosedSignal.WaitAsync(TimeSpan.Zero)).Should().BeFalse();
            client.Close();
            (await recorder.ClosedSignal.WaitAsync(LoopHarness.Timeout)).Should().BeTrue();
        }
        recorder.AtClose.TryPeek(out var closed).Should().BeTrue();
        closed.Local.Should().Be(new IPEndPoint(IPAddress.Loopback, port));
    }

    [Fact]
    public async Task ConnectAsync_reports_the_target_and_the_bound_local_address_after_close()
    {
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        server.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        server.Listen();
        using var loop = new LoopHarness();
        var recorder = new EndpointRecorder();
        TcpConnection connection = await TcpConnection.ConnectAsync(loop.Reactor, server.LocalEndPoint!, recorder).WaitAsync(LoopHarness.Timeout);
        using Socket accepted = await server.AcceptAsync().WaitAsync(LoopHarness.Timeout);
        connection.Abort();
        (await recorder.ClosedSignal.WaitAsync(LoopHarness.Timeout)).Should().BeTrue();

        recorder.AtClose.TryPeek(out var closed).Should().BeTrue();
        closed.Remote.Should().Be(server.LocalEndPoint);
        closed.Local.Should().Be(accepted.RemoteEndPoint, "the local address is the one the peer saw");
        connection.RemoteEndPoint.Should().Be(server.LocalEndPoint);
        connection.LocalEndPoint.Should().Be(accepted.RemoteEndPoint);
    }
}
