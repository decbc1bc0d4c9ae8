using System.Net;
using System.Net.Sockets;
using System.Text;
using ReactorNet.Samples.Http;
using ReactorNet.Samples.Http.Protocol;
using ReactorNet.Samples.Tests.Support;

namespace ReactorNet.Samples.Tests.Http;

/// <summary>The server in-process over real sockets: what only the transport glue can get wrong.</summary>
public sealed class HttpServerSocketTests
{
    private static ReactorHttpServer Start(HttpServerOptions? options = null) =>
        new(new IPEndPoint(IPAddress.Loopback, 0), loops: 1, options);

    [Fact]
    public async Task Pipelined_requests_in_one_write_are_answered_in_order()
    {
        using ReactorHttpServer server = Start();
        using Socket client = await TestSockets.ConnectAsync(server.LocalEndPoint);

        await client.SendAsync("GET /json HTTP/1.1\r\nHost: a\r\n\r\nGET /missing HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        string replies = Encoding.Latin1.GetString(await client.ReceiveToEndAsync());

        HttpTestKit.StatusLines(replies).Should().Equal("HTTP/1.1 200 OK", "HTTP/1.1 404 Not Found", "HTTP/1.1 200 OK");
        replies.Should().EndWith("Hello, World!");
    }

    [Fact]
    public async Task A_head_split_over_many_writes_is_reassembled()
    {
        using ReactorHttpServer server = Start();
        using Socket client = await TestSockets.ConnectAsync(server.LocalEndPoint);

        foreach (string piece in new[] { "GE", "T /js", "on HTTP/1.1\r", "\nHost: a\r\n", "Connection: close\r\n", "\r", "\n" })
        {
            await client.SendAsync(piece);
        }

        Encoding.Latin1.GetString(await client.ReceiveToEndAsync()).Should().EndWith("{\"message\":\"Hello, World!\"}");
    }

    [Fact]
    public async Task A_framing_error_is_answered_and_the_connection_closed_with_nothing_after_it_served()
    {
        using ReactorHttpServer server = Start();
        using Socket client = await TestSockets.ConnectAsync(server.LocalEndPoint);

        await client.SendAsync("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxGET /json HTTP/1.1\r\nHost: a\r\n\r\n");
        string replies = Encoding.Latin1.GetString(await client.ReceiveToEndAsync());

        HttpTestKit.StatusLines(replies).Should().Equal("HTTP/1.1 400 Bad Request");
        replies.Should().Contain("Connection: close\r\n");
    }

    [Fact]
    public async Task A_head_not_completed_in_time_is_answered_408_and_closed()
    {
        var options = new HttpServerOptions { HeadersTimeout = TimeSpan.FromMilliseconds(200), TimerPeriod = TimeSpan.FromMilliseconds(20) };
        using ReactorHttpServer server = Start(options);
        using Socket slow = await TestSockets.ConnectAsync(server.LocalEndPoint);
        using Socket silent = await TestSockets.ConnectAsync(server.LocalEndPoint);

        await slow.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n");

        Encoding.Latin1.GetString(await slow.ReceiveToEndAsync()).Should().StartWith("HTTP/1.1 408 Request Timeout\r\n");
        Encoding.Latin1.GetString(await silent.ReceiveToEndAsync()).Should().StartWith("HTTP/1.1 408 Request Timeout\r\n", "a connection that sends nothing is held to the same deadline");
    }

    [Fact]
    public async Task An_idle_keep_alive_connection_is_closed_after_its_response()
    {
        var options = new HttpServerOptions { KeepAliveTimeout = TimeSpan.FromMilliseconds(200), TimerPeriod = TimeSpan.FromMilliseconds(20) };
        using ReactorHttpServer server = Start(options);
        using Socket client = await TestSockets.ConnectAsync(server.LocalEndPoint);

        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        string replies = Encoding.Latin1.GetString(await client.ReceiveToEndAsync());

        HttpTestKit.StatusLines(replies).Should().Equal("HTTP/1.1 200 OK");
        replies.Should().NotContain("Connection: close", "the response did not know the connection would idle out");
    }
}
