using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using ReactorNet.Samples.Tests.Support;

namespace ReactorNet.Samples.Tests.Proxy;

/// <summary>
/// The TcpProxy sample as a real process between a .NET client and an in-process upstream:
/// integrity, backpressure in both directions, half-close, late answers, resets, and bounded memory.
/// </summary>
public sealed class TcpProxyTests
{
    /// <summary>Peak RSS the proxy may reach: the runtime plus a few water marks of buffered data.</summary>
    private const long MaxProxyRss = 200L << 20;

    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(60);

    private static SampleProcess StartProxy(Upstream upstream, out IPEndPoint endPoint)
    {
        var proxy = SampleProcess.Start(SampleApp.TcpProxy, ["--host", "127.0.0.1", "--port", "0", "--upstream", upstream.Argument]);
        try
        {
            endPoint = proxy.WaitForListening();
            return proxy;
        }
        catch
        {
            proxy.Dispose();
            throw;
        }
    }

    private static async Task<(long Count, byte[] Hash)> ReadAllHashed(Socket socket, CancellationToken token, TimeSpan pausePerChunk = default)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[256 * 1024];
        long total = 0;
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, token)) > 0)
        {
            hash.AppendData(buffer, 0, n);
            total += n;
            if (pausePerChunk > TimeSpan.Zero)
            {
                await Task.Delay(pausePerChunk, token); // a slow reader (the scenario, not synchronisation)
            }
        }
        return (total, hash.GetHashAndReset());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public async Task Fifty_MiB_round_trip_through_an_echo_upstream_arrive_intact(int readDelaySeconds)
    {
        using var timeout = new CancellationTokenSource(Budget);
        using var upstream = new Upstream(Upstream.Echo);
        using SampleProcess proxy = StartProxy(upstream, out IPEndPoint endPoint);
        using Socket client = await TestSockets.ConnectAsync(endPoint);

        byte[] data = RandomNumberGenerator.GetBytes(50 << 20);
        Task upload = Task.Run(async () =>
        {
            await Upstream.SendAll(client, data, timeout.Token);
            client.Shutdown(SocketShutdown.Send);
        });
        await Task.Delay(TimeSpan.FromSeconds(readDelaySeconds), timeout.Token); // the client does not read yet
        var (count, hash) = await ReadAllHashed(client, timeout.Token);
        await upload;

        count.Should().Be(data.Length);
        hash.Should().Equal(SHA256.HashData(data));
        ProcessMemory.PeakResidentBytes(proxy.Id).Should().BeLessThan(MaxProxyRss, proxy.Describe());
    }

    [Fact]
    public async Task An_upstream_answering_four_bytes_per_byte_during_a_20_MiB_upload_does_not_deadlock()
    {
        using var timeout = new CancellationTokenSource(Budget);
        using var upstream = new Upstream(async (socket, token) =>
        {
            var buffer = new byte[64 * 1024];
            var reply = new byte[4 * buffer.Length];
            int n;
            while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, token)) > 0)
            {
                await Upstream.SendAll(socket, reply.AsMemory(0, 4 * n), token);
            }
            socket.Shutdown(SocketShutdown.Send);
        });
        using SampleProcess proxy = StartProxy(upstream, out IPEndPoint endPoint);
        using Socket client = await TestSockets.ConnectAsync(endPoint);

        const int Upload = 20 << 20;
        Task upload = Task.Run(async () =>
        {
            await Upstream.SendAll(client, new byte[Upload], timeout.Token);
            client.Shutdown(SocketShutdown.Send);
        });
        var (count, _) = await ReadAllHashed(client, timeout.Token);
        await upload;

        count.Should().Be(4L * Upload);
        ProcessMemory.PeakResidentBytes(proxy.Id).Should().BeLessThan(MaxProxyRss, proxy.Describe());
    }

    [Fact]
    public async Task A_request_then_half_close_gets_a_32_MiB_response_to_a_slow_reader()
    {
        using var timeout = new CancellationTokenSource(Budget);
        byte[] response = RandomNumberGenerator.GetBytes(32 << 20);
        var requestSeen = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var upstream = new Upstream(async (socket, token) =>
        {
            requestSeen.TrySetResult(await Upstream.ReadToEnd(socket, token)); // the request ends with the client's FIN
            await Upstream.SendAll(socket, response, token);
            socket.Shutdown(SocketShutdown.Send);
        });
        using SampleProcess proxy = StartProxy(upstream, out IPEndPoint endPoint);
        using Socket client = await TestSockets.ConnectAsync(endPoint);

        await client.SendAsync("GET /big\n");
        client.Shutdown(SocketShutdown.Send);
        var (count, hash) = await ReadAllHashed(client, timeout.Token, pausePerChunk: TimeSpan.FromMilliseconds(5));

        (await requestSeen.Task.WaitAsync(timeout.Token)).Should().Be("GET /big\n".Length);
        count.Should().Be(response.Length);
        hash.Should().Equal(SHA256.HashData(response));
        ProcessMemory.PeakResidentBytes(proxy.Id).Should().BeLessThan(MaxProxyRss, proxy.Describe());
    }

    [Fact]
    public async Task An_answer_seven_seconds_after_the_clients_FIN_still_arrives()
    {
        using var timeout = new CancellationTokenSource(Budget);
        using var upstream = new Upstream(async (socket, token) =>
        {
            await Upstream.ReadToEnd(socket, token);
            await Task.Delay(TimeSpan.FromSeconds(7), token); // a slow backend (the scenario)
            await Upstream.SendAll(socket, Encoding.ASCII.GetBytes("late answer"), token);
            socket.Shutdown(SocketShutdown.Send);
        });
        using SampleProcess proxy = StartProxy(upstream, out IPEndPoint endPoint);
        using Socket client = await TestSockets.ConnectAsync(endPoint);

        await client.SendAsync("question");
        client.Shutdown(SocketShutdown.Send);
        var received = new MemoryStream();
        var buffer = new byte[1024];
        int n;
        while ((n = await client.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
        {
            received.Write(buffer, 0, n);
        }
        Encoding.ASCII.GetString(received.ToArray()).Should().Be("late answer", "a half-closed connection has no close timer");
    }

    [Fact]
    public async Task An_upstream_reset_reaches_the_client_as_a_reset()
    {
        using var timeout = new CancellationTokenSource(Budget);
        using var upstream = new Upstream(async (socket, token) =>
        {
            var buffer = new byte[16];
            await socket.ReceiveAsync(buffer, SocketFlags.None, token);
            socket.LingerState = new LingerOption(true, 0);
            socket.Close(); // RST
        });
        using SampleProcess proxy = StartProxy(upstream, out IPEndPoint endPoint);
        using Socket client = await TestSockets.ConnectAsync(endPoint);

        await client.SendAsync("hello");
        Func<Task> read = async () =>
        {
            var buffer = new byte[16];
            while (await client.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) > 0)
            {
            }
        };
        (await read.Should().ThrowAsync<SocketException>()).Which.SocketErrorCode.Should().Be(SocketError.ConnectionReset);
    }

    [Fact]
    public async Task A_failed_upstream_connect_resets_the_client()
    {
        using var timeout = new CancellationTokenSource(Budget);
        int closedPort;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            closedPort = ((IPEndPoint)probe.LocalEndPoint!).Port; // nothing listens there once closed
        }
        using SampleProcess proxy = SampleProcess.Start(SampleApp.TcpProxy, ["--host", "127.0.0.1", "--port", "0", "--upstream", $"127.0.0.1:{closedPort}"]);
        using Socket client = await TestSockets.ConnectAsync(proxy.WaitForListening());
        Func<Task> read = async () =>
        {
            var buffer = new byte[16];
            await client.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        };
        (await read.Should().ThrowAsync<SocketException>()).Which.SocketErrorCode.Should().Be(SocketError.ConnectionReset);
    }

    [Theory]
    [InlineData(new[] { "--port", "0" }, "--upstream is required")]
    [InlineData(new[] { "--upstream", "localhost" }, "--upstream expects HOST:PORT with a port from 1 to 65535, or a Unix socket path, got 'localhost'")]
    [InlineData(new[] { "--upstream", "127.0.0.1:0" }, "--upstream expects HOST:PORT with a port from 1 to 65535, or a Unix socket path, got '127.0.0.1:0'")]
    public void Bad_arguments_exit_2_with_a_clear_error(string[] arguments, string message)
    {
        using SampleProcess process = SampleProcess.Start(SampleApp.TcpProxy, arguments);
        process.WaitForExit().Should().Be(2);
        process.StandardError.Should().Be($"TcpProxy: {message}\nTry 'TcpProxy --help' for more information.\n");
    }
}
