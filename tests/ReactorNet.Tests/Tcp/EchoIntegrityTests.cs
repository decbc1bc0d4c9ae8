using System.Net.Sockets;
using System.Security.Cryptography;
using ReactorNet.Tcp;

namespace ReactorNet.Tests.Tcp;

public sealed class EchoIntegrityTests
{
    /// <summary>
    /// 500 connections at once, each sending 1 MiB of random bytes in random-sized writes while
    /// reading the echo concurrently; every client compares the SHA-256 of what it sent with the
    /// SHA-256 of what came back.
    /// </summary>
    [Fact]
    public async Task Five_hundred_connections_each_echo_one_MiB_without_losing_a_byte()
    {
        const int Connections = 500, BytesPerConnection = 1 << 20;
        using var harness = new EchoServerHarness();
        var results = await Task.WhenAll(Enumerable.Range(0, Connections).Select(i => Task.Run(() => RoundTripAsync(harness, i, BytesPerConnection))));

        results.Count(r => !r.SentHash.AsSpan().SequenceEqual(r.ReceivedHash)).Should().Be(0, "every byte must come back, in order");
        results.Should().OnlyContain(r => r.Received == BytesPerConnection);
        await harness.Handler.WhenClosed(Connections).WaitAsync(TimeSpan.FromSeconds(30));
        harness.Handler.Closed.Should().OnlyContain(c => c.Reason == CloseReason.Graceful);
        harness.Server.ConnectionCount.Should().Be(0);
    }

    private static async Task<(byte[] SentHash, byte[] ReceivedHash, long Received)> RoundTripAsync(EchoServerHarness harness, int seed, int total)
    {
        using Socket socket = await harness.ConnectClientAsync();
        var random = new Random(seed);
        var sendTask = Task.Run(async () =>
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var chunk = new byte[16 * 1024];
            int sent = 0;
            while (sent < total)
            {
                int size = Math.Min(random.Next(1, chunk.Length + 1), total - sent);
                random.NextBytes(chunk.AsSpan(0, size));
                hash.AppendData(chunk, 0, size);
                int off = 0;
                while (off < size)
                {
                    off += await socket.SendAsync(chunk.AsMemory(off, size - off), SocketFlags.None);
                }
                sent += size;
            }
            socket.Shutdown(SocketShutdown.Send); // half-close: the server echoes the rest, then closes
            return hash.GetHashAndReset();
        });
        using var received = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[32 * 1024];
        long got = 0;
        while (true)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).AsTask().WaitAsync(TimeSpan.FromSeconds(60));
            if (n == 0)
            {
                break;
            }
            received.AppendData(buffer, 0, n);
            got += n;
        }
        return (await sendTask, received.GetHashAndReset(), got);
    }

    [Fact]
    public async Task Reactor_client_and_reactor_server_echo_over_ConnectAsync()
    {
        using var harness = new EchoServerHarness();
        var client = new CollectingHandler();
        TcpConnection connection = await TcpConnection.ConnectAsync(harness.Loop.Reactor, harness.Server.LocalEndPoint, client);
        connection.TrySend("hello, reactor"u8).Should().BeTrue();
        (await client.WaitForBytesAsync(14)).Should().Equal("hello, reactor"u8.ToArray());
        connection.Close();
        (await client.Closed.Task.WaitAsync(TimeSpan.FromSeconds(20))).Should().Be(CloseReason.Graceful);
    }
}

/// <summary>A client-side handler that collects what it receives.</summary>
internal sealed class CollectingHandler : IConnectionHandler
{
    private readonly List<byte> _data = [];
    private TaskCompletionSource? _waiter;
    private int _waitFor;

    public TaskCompletionSource<CloseReason> Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int OnData(TcpConnection connection, ReadOnlySpan<byte> data)
    {
        lock (_data)
        {
            _data.AddRange(data.ToArray());
            if (_waiter is not null && _data.Count >= _waitFor)
            {
                _waiter.TrySetResult();
            }
        }
        return data.Length;
    }

    public void OnClosed(TcpConnection connection, CloseReason reason, Exception? error) => Closed.TrySetResult(reason);

    public async Task<byte[]> WaitForBytesAsync(int count)
    {
        Task wait;
        lock (_data)
        {
            _waitFor = count;
            _waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_data.Count >= count)
            {
                _waiter.TrySetResult();
            }
            wait = _waiter.Task;
        }
        await wait.WaitAsync(TimeSpan.FromSeconds(20));
        lock (_data)
        {
            return _data.ToArray();
        }
    }
}
