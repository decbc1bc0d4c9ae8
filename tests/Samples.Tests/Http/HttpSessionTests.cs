using System.Buffers;
using ReactorNet.Samples.Http.Protocol;
using static ReactorNet.Samples.Tests.Http.HttpTestKit;

namespace ReactorNet.Samples.Tests.Http;

/// <summary>The protocol behaviour of one connection, in memory: routes, keep-alive, pipelining, errors, timeouts.</summary>
public sealed class HttpSessionTests
{
    private const string Date = "Date: Wed, 25 Nov 2026 12:00:00 GMT\r\n";

    [Fact]
    public void Get_root_answers_hello_world_with_Server_Date_and_Content_Length()
    {
        HttpSession session = Session();

        Feed(session, "GET / HTTP/1.1\r\nHost: a\r\n\r\n").Should().Be(
            "HTTP/1.1 200 OK\r\nServer: ReactorNet\r\n" + Date + "Content-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!");
        session.IsClosed.Should().BeFalse("HTTP/1.1 keeps the connection by default");
    }

    [Theory]
    [InlineData("GET /plaintext", "200 OK", "text/plain", "Hello, World!")]
    [InlineData("GET /json", "200 OK", "application/json", "{\"message\":\"Hello, World!\"}")]
    [InlineData("GET /json?pretty", "200 OK", "application/json", "{\"message\":\"Hello, World!\"}")]
    [InlineData("GET /missing", "404 Not Found", "text/plain", "Not Found")]
    [InlineData("DELETE /", "405 Method Not Allowed", "text/plain", "Method Not Allowed")]
    [InlineData("POST /json", "405 Method Not Allowed", "text/plain", "Method Not Allowed")]
    public void Routes_answer_with_their_status_and_body(string requestLine, string status, string contentType, string body)
    {
        string output = Feed(Session(), requestLine + " HTTP/1.1\r\nHost: a\r\n\r\n");

        output.Should().StartWith("HTTP/1.1 " + status + "\r\n");
        output.Should().Contain("Content-Type: " + contentType + "\r\n");
        output.Should().Contain($"Content-Length: {body.Length}\r\n");
        output.Should().EndWith("\r\n\r\n" + body);
    }

    [Theory]
    [InlineData("DELETE /", "GET, HEAD, POST, OPTIONS")]
    [InlineData("PUT /json", "GET, HEAD, OPTIONS")]
    [InlineData("POST /plaintext", "GET, HEAD, OPTIONS")]
    public void Method_not_allowed_lists_the_allowed_ones(string requestLine, string allow) =>
        Feed(Session(), requestLine + " HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n").Should().Contain("\r\nAllow: " + allow + "\r\n");

    [Theory]
    [InlineData("OPTIONS / ", "GET, HEAD, POST, OPTIONS")]
    [InlineData("OPTIONS * ", "GET, HEAD, POST, OPTIONS")]
    [InlineData("OPTIONS /json ", "GET, HEAD, OPTIONS")]
    public void Options_answers_Allow_with_an_empty_body(string requestLine, string allow)
    {
        string output = Feed(Session(), requestLine + "HTTP/1.1\r\nHost: a\r\n\r\n");

        output.Should().StartWith("HTTP/1.1 200 OK\r\n").And.Contain("Content-Length: 0\r\n").And.Contain("Allow: " + allow + "\r\n").And.EndWith("\r\n\r\n");
    }

    [Fact]
    public void Head_answers_the_get_headers_without_a_body()
    {
        string get = Feed(Session(), "GET /json HTTP/1.1\r\nHost: a\r\n\r\n");
        string head = Feed(Session(), "HEAD /json HTTP/1.1\r\nHost: a\r\n\r\n");

        head.Should().Be(get[..(get.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)]);
    }

    [Fact]
    public void Echo_answers_the_request_header_lines()
    {
        Feed(Session(), "GET /echo HTTP/1.1\r\nHost: a\r\nX-One:  1 \r\nx-two: \u00e92\r\n\r\n")
            .Should().EndWith("Content-Length: 32\r\n\r\nHost: a\r\nX-One:  1 \r\nx-two: \u00e92\r\n");
    }

    [Theory]
    [InlineData("Content-Length: 11\r\n\r\nhello world")]
    [InlineData("Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: x\r\n\r\n")]
    public void Post_echoes_the_body(string framingAndBody) =>
        Feed(Session(), "POST / HTTP/1.1\r\nHost: a\r\n" + framingAndBody)
            .Should().StartWith("HTTP/1.1 200 OK\r\n").And.EndWith("Content-Length: 11\r\n\r\nhello world");

    [Fact]
    public void Pipelined_requests_are_answered_in_order_in_one_batch()
    {
        string output = Feed(Session(),
            "GET /json HTTP/1.1\r\nHost: a\r\n\r\n" +
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc" +
            "GET /missing HTTP/1.1\r\nHost: a\r\n\r\n" +
            "GET / HTTP/1.1\r\nHost: a\r\n\r\n");

        StatusLines(output).Should().Equal("HTTP/1.1 200 OK", "HTTP/1.1 200 OK", "HTTP/1.1 404 Not Found", "HTTP/1.1 200 OK");
        output.IndexOf("{\"message\"", StringComparison.Ordinal).Should().BeLessThan(output.IndexOf("abc", StringComparison.Ordinal));
        output.Should().EndWith("Hello, World!");
    }

    [Fact]
    public void Connection_close_ends_the_session_and_nothing_after_it_is_parsed()
    {
        HttpSession session = Session();

        string output = Feed(session, "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /json HTTP/1.1\r\nHost: a\r\n\r\n");

        StatusLines(output).Should().Equal("HTTP/1.1 200 OK");
        output.Should().Contain("Connection: close\r\n");
        session.IsClosed.Should().BeTrue();
    }

    [Fact]
    public void Http_1_0_closes_unless_keep_alive_is_asked_for()
    {
        HttpSession plain = Session();
        Feed(plain, "GET / HTTP/1.0\r\n\r\n").Should().Contain("Connection: close\r\n");
        plain.IsClosed.Should().BeTrue();

        HttpSession keepAlive = Session();
        Feed(keepAlive, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").Should().Contain("Connection: keep-alive\r\n");
        keepAlive.IsClosed.Should().BeFalse();
    }

    [Fact]
    public void Expect_100_continue_gets_an_interim_response_before_the_body()
    {
        HttpSession session = Session();
        var output = new ArrayBufferWriter<byte>();

        session.Process(Bytes("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"), output, 0);
        Text(output.WrittenSpan).Should().Be("HTTP/1.1 100 Continue\r\n\r\n");

        session.Process(Bytes("hello"), output, 0);
        Text(output.WrittenSpan).Should().StartWith("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n").And.EndWith("hello");
    }

    [Fact]
    public void Expect_100_continue_with_the_body_already_sent_gets_no_interim_response() =>
        Feed(Session(), "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello").Should().StartWith("HTTP/1.1 200 OK\r\n");

    [Theory]
    // The classic smuggling shapes (CL.TE, TE.CL, TE.TE): each must be refused whole, and the
    // request hidden in its body must never be answered.
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /json HTTP/1.1\r\nHost: a\r\n\r\n", 400)]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\nGET /json HTTP/1.1\r\nHost: a\r\n\r\n", 400)]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\nGET /json HTTP/1.1\r\nHost: a\r\n\r\n", 400)]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\nGET /json HTTP/1.1\r\nHost: a\r\n\r\n", 400)]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 37\r\n\r\nGET /json HTTP/1.1\r\nHost: a\r\n\r\n", 400)]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\nGET /json HTTP/1.1\r\nHost: a\r\n\r\n", 400)]
    [InlineData("GET / HTTP/2.0\r\nHost: a\r\n\r\nGET /json HTTP/1.1\r\nHost: a\r\n\r\n", 505)]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\nGET /json HTTP/1.1\r\nHost: a\r\n\r\n", 501)]
    public void After_a_framing_error_the_session_answers_once_closes_and_parses_nothing_more(string input, int status)
    {
        HttpSession session = Session();

        string output = Feed(session, input);

        StatusLines(output).Should().ContainSingle().Which.Should().StartWith($"HTTP/1.1 {status} ");
        output.Should().Contain("Connection: close\r\n").And.NotContain("message");
        session.IsClosed.Should().BeTrue();
        session.Process(Bytes("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), new ArrayBufferWriter<byte>(), 0).Should().Be(27, "input after the end is dropped, not parsed");
    }

    [Fact]
    public void A_body_over_the_limit_is_413_and_closes()
    {
        var options = new HttpServerOptions { Limits = new HttpLimits { MaxBodyLength = 8 } };
        HttpSession session = Session(options);

        StatusLines(Feed(session, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n"))
            .Should().Equal("HTTP/1.1 413 Content Too Large");
        session.IsClosed.Should().BeTrue();
    }

    [Fact]
    public void A_head_not_complete_within_the_headers_timeout_is_answered_408_and_closed()
    {
        var options = new HttpServerOptions { HeadersTimeout = TimeSpan.FromSeconds(10) };
        HttpSession session = Session(options, nowMs: 1_000);
        var output = new ArrayBufferWriter<byte>();
        session.Process(Bytes("GET / HTTP/1.1\r\nHost: a\r\n"), output, 2_000).Should().Be(0);

        session.OnTimer(output, 10_999).Should().BeFalse("the deadline counts from the connection's start");
        session.OnTimer(output, 11_000).Should().BeTrue();

        Text(output.WrittenSpan).Should().StartWith("HTTP/1.1 408 Request Timeout\r\n").And.Contain("Connection: close\r\n");
        session.IsClosed.Should().BeTrue();
    }

    [Fact]
    public void The_headers_timeout_of_a_later_request_counts_from_its_first_byte()
    {
        var options = new HttpServerOptions { HeadersTimeout = TimeSpan.FromSeconds(10), KeepAliveTimeout = TimeSpan.FromSeconds(100) };
        HttpSession session = Session(options);
        var output = new ArrayBufferWriter<byte>();
        session.Process(Bytes("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), output, 0);
        session.Process(Bytes("GET / HT"), output, 50_000).Should().Be(0);

        session.OnTimer(output, 59_999).Should().BeFalse();
        session.OnTimer(output, 60_000).Should().BeTrue();
        Text(output.WrittenSpan).Should().EndWith("Request Timeout");
    }

    [Fact]
    public void An_idle_keep_alive_connection_is_closed_without_a_response()
    {
        var options = new HttpServerOptions { KeepAliveTimeout = TimeSpan.FromSeconds(5) };
        HttpSession session = Session(options);
        var output = new ArrayBufferWriter<byte>();
        session.Process(Bytes("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), output, 1_000);
        int written = output.WrittenCount;

        session.OnTimer(output, 5_999).Should().BeFalse();
        session.OnTimer(output, 6_000).Should().BeTrue();

        output.WrittenCount.Should().Be(written, "an idle connection gets no 408");
        session.IsClosed.Should().BeTrue();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Zero_or_infinite_timeouts_never_expire(int milliseconds)
    {
        var options = new HttpServerOptions { HeadersTimeout = TimeSpan.FromMilliseconds(milliseconds), KeepAliveTimeout = TimeSpan.FromMilliseconds(milliseconds) };
        HttpSession session = Session(options);
        session.OnTimer(new ArrayBufferWriter<byte>(), long.MaxValue - 1).Should().BeFalse();
    }

    [Fact]
    public void A_negative_timeout_is_refused_when_set()
    {
        Action act = () => _ = new HttpServerOptions { HeadersTimeout = TimeSpan.FromSeconds(-2) };
        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("HeadersTimeout");
    }
}
