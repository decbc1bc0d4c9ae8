using System.Net;
using System.Net.Sockets;
using System.Text;
using ReactorNet.Samples.Resp.Server;
using ReactorNet.Samples.Resp.Tests.Support;
using ReactorNet.Samples.Tests.Support;

namespace ReactorNet.Samples.Resp.Tests.EndToEnd;

/// <summary>The transport glue in process: closing after errors and QUIT, and the per-client limits.</summary>
public sealed class ConnectionLimitsTests
{
    /// <summary>A client receive buffer of a few KiB: the kernel takes little for a client that does not read.</summary>
    private const int SmallWindow = 4096;

    [Fact]
    public async Task A_protocol_error_is_answered_then_the_connection_is_closed()
    {
        using var server = new RespServerHost(new IPEndPoint(IPAddress.Loopback, 0), loops: 1);
        using Socket client = await TestSockets.ConnectAsync(server.LocalEndPoint);

        await client.SendAsync("PING\r\n*1\r\n$4\r\nPING\r\n*-x\r\nPING\r\n");

        Encoding.ASCII.GetString(await client.ReceiveToEndAsync())
            .Should().Be("+PONG\r\n+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n");
    }

    [Fact]
    public async Task Quit_is_answered_then_the_connection_is_closed()
    {
        using var server = new RespServerHost(new IPEndPoint(IPAddress.Loopback, 0), loops: 1);
        using Socket client = await TestSockets.ConnectAsync(server.LocalEndPoint);

        await client.SendAsync("SET k v\r\nQUIT\r\nGET k\r\n");

        Encoding.ASCII.GetString(await client.ReceiveToEndAsync()).Should().Be("+OK\r\n+OK\r\n");
    }

    [Fact]
    public async Task A_request_split_into_many_writes_is_answered_once_complete()
    {
        using var server = new RespServerHost(new IPEndPoint(IPAddress.Loopback, 0), loops: 1);
        using Socket client = await TestSockets.ConnectAsync(server.LocalEndPoint);
        string value = new('v', 100_000);
        string request = CommandHarness.Multibulk("SET", "big", value) + CommandHarness.Multibulk("STRLEN", "big");

        for (int offset = 0; offset < request.Length; offset += 7_000)
        {
            await client.SendAsync(request.Substring(offset, Math.Min(7_000, request.Length - offset)));
        }

        (await client.ReceiveTextAsync("+OK\r\n:100000\r\n")).Should().Be("+OK\r\n:100000\r\n");
    }

    [Fact]
    public async Task A_client_that_does_not_read_a_reply_past_the_output_limit_is_disconnected_and_logged_and_others_are_served()
    {
        var log = new LogSignal("RespServer", 101);
        var limits = new RespLimits { MaxPendingReplyBytes = 1 << 20 };
        using var server = new RespServerHost(new IPEndPoint(IPAddress.Loopback, 0), loops: 1, limits: limits, loggerFactory: log);
        using Socket greedy = await TestSockets.ConnectAsync(server.LocalEndPoint, SmallWindow);
        using Socket other = await TestSockets.ConnectAsync(server.LocalEndPoint);
        await other.SendAsync(CommandHarness.Multibulk("SET", "v", new string('x', 1 << 20)));
        (await other.ReceiveTextAsync("+OK\r\n")).Should().Be("+OK\r\n");

        // 16 MiB in one reply, far more than the kernel takes for a peer that does not read.
        await greedy.SendAsync(CommandHarness.Multibulk(["MGET", .. Enumerable.Repeat("v", 16)]));

        (await log.Logged.WaitAsync(TestTimeouts.Network)).Should().Contain("output limit of 1048576 bytes");
        await other.SendAsync("PING\r\n");
        (await other.ReceiveTextAsync("+PONG\r\n")).Should().Be("+PONG\r\n");
        (await ReceiveUntilClosedAsync(greedy)).Should().BeLessThan(16 << 20, "the client was dropped before its reply was complete");
    }

    [Fact]
    public async Task A_pipeline_whose_replies_pass_the_output_limit_waits_for_a_slow_reader_and_is_answered_in_full()
    {
        var limits = new RespLimits { MaxPendingReplyBytes = 1 << 20 };
        using var server = new RespServerHost(new IPEndPoint(IPAddress.Loopback, 0), loops: 1, limits: limits);
        using Socket client = await TestSockets.ConnectAsync(server.LocalEndPoint, SmallWindow);
        string value = new('x', 20_000);
        await client.SendAsync(CommandHarness.Multibulk("SET", "v", value));
        (await client.ReceiveTextAsync("+OK\r\n")).Should().Be("+OK\r\n");

        // 400 requests in one write, 8 MB of replies: the pipeline stops at the high-water mark
        // and goes on as the client reads, instead of piling 8 MB up past the 1 MiB limit.
        const int Requests = 400;
        await client.SendAsync(string.Concat(Enumerable.Repeat("GET v\r\n", Requests)) + "PING\r\n");

        string reply = CommandHarness.Bulk(value);
        byte[] replies = await client.ReceiveExactlyAsync(Requests * reply.Length + "+PONG\r\n".Length);
        Encoding.ASCII.GetString(replies).Should().Be(string.Concat(Enumerable.Repeat(reply, Requests)) + "+PONG\r\n");
    }

    [Fact]
    public async Task A_client_whose_unfinished_request_passes_the_query_buffer_limit_is_disconnected()
    {
        var limits = new RespLimits { MaxQueryBufferBytes = 16 * 1024 };
        using var server = new RespServerHost(new IPEndPoint(IPAddress.Loopback, 0), loops: 1, limits: limits);
        using Socket client = await TestSockets.ConnectAsync(server.LocalEndPoint);

        await client.SendAsync("*2\r\n$3\r\nGET\r\n$100000\r\n" + new string('k', 20_000));

        (await ReceiveUntilClosedAsync(client)).Should().Be(0);
    }

    /// <summary>Reads until the server ends the connection (FIN or RST); returns the bytes received.</summary>
    private static async Task<int> ReceiveUntilClosedAsync(Socket socket)
    {
        using var timeout = new CancellationTokenSource(TestTimeouts.Network);
        byte[] buffer = new byte[64 * 1024];
        int total = 0;
        try
        {
            int received;
            while ((received = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
            {
                total += received;
            }
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            // Abort sends RST: also a disconnect.
        }
        return total;
    }
}
