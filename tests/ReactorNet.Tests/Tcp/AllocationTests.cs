using System.Net.Sockets;
using ReactorNet.Tcp;
using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Tcp;

/// <summary>
/// The hot path — readiness, read, handler, write — must allocate nothing in steady state. The
/// handler reads the loop thread's allocation counter at two points of a long echo exchange; only
/// loop work happens between them.
/// </summary>
public sealed class AllocationTests
{
    private sealed class MeasuringEcho : IConnectionHandler
    {
        private int _messages;

        public long AtWarm { get; private set; } = -1;

        public long AtEnd { get; private set; } = -1;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int OnData(TcpConnection connection, ReadOnlySpan<byte> data)
        {
            _messages++;
            if (_messages == 1_000)
            {
                AtWarm = GC.GetAllocatedBytesForCurrentThread();
            }
            else if (_messages == 11_000)
            {
                AtEnd = GC.GetAllocatedBytesForCurrentThread();
            }
            connection.TrySend(data);
            if (_messages == 11_000)
            {
                Done.TrySetResult();
            }
            return data.Length;
        }
    }

    [Fact]
    public async Task Echoing_in_steady_state_allocates_zero_bytes_on_the_loop_thread()
    {
        var handler = new MeasuringEcho();
        using var loop = new LoopHarness();
        using var server = new TcpServer(loop.Reactor, new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0), () => handler);
        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.Connect(server.LocalEndPoint);
        var message = new byte[64];
        var reply = new byte[64];
        for (int i = 0; i < 11_000; i++) // one message in flight: each is one OnData on the server
        {
            client.Send(message);
            int got = 0;
            while (got < reply.Length)
            {
                got += client.Receive(reply, got, reply.Length - got, SocketFlags.None);
            }
        }
        await handler.Done.Task.WaitAsync(LoopHarness.Timeout);
        (handler.AtEnd - handler.AtWarm).Should().Be(0, "10,000 echoes between the two readings");
    }
}
