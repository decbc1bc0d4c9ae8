using System.Text;
using ReactorNet.Samples.Http.Protocol;
using static ReactorNet.Samples.Tests.Http.HttpTestKit;

namespace ReactorNet.Samples.Tests.Http;

/// <summary>One test per RFC 9112 rule the parser enforces, each with the status it must produce.</summary>
public sealed class HttpRequestParserTests
{
    private const string Host = "Host: example.com\r\n";

    [Fact]
    public void A_valid_head_is_parsed_into_ranges_of_the_input()
    {
        const string raw = "POST /echo?x=1 HTTP/1.1\r\nHost: a\r\nX-Name:  spaced value \t\r\nContent-Length: 5\r\n\r\nhello";
        byte[] input = Bytes(raw);
        var head = new HttpRequestHead();

        int used = HttpRequestParser.Parse(input, head, HttpLimits.Default);

        used.Should().Be(raw.IndexOf("hello", StringComparison.Ordinal));
        Text(input.AsSpan()[head.Method]).Should().Be("POST");
        Text(input.AsSpan()[head.Target]).Should().Be("/echo?x=1");
        Text(input.AsSpan()[head.Path]).Should().Be("/echo");
        head.Version.Should().Be(HttpVersion.Http11);
        head.HeaderCount.Should().Be(3);
        Text(head.Headers[1].Name(input)).Should().Be("X-Name");
        Text(head.Headers[1].Value(input)).Should().Be("spaced value", "surrounding whitespace is not part of a value");
        head.BodyFraming.Should().Be(HttpBodyFraming.ContentLength);
        head.ContentLength.Should().Be(5);
        head.KeepAlive.Should().BeTrue();
        Text(input.AsSpan()[head.HeaderSection]).Should().Be("Host: a\r\nX-Name:  spaced value \t\r\nContent-Length: 5\r\n");
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n\r")]
    [InlineData("GET / HTT")]
    [InlineData("")]
    [InlineData("\r\n")]
    public void An_incomplete_head_needs_more(string raw) => Parse(raw, out _).Should().Be(HttpRequestParser.NeedMore);

    [Fact]
    public void Empty_lines_before_the_request_line_are_skipped() =>
        Parse("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", out _).Should().Be(29);

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n\r\n", true)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", false)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, Close\r\n\r\n", false)]
    [InlineData("GET / HTTP/1.0\r\n\r\n", false)]
    [InlineData("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true)]
    public void Keep_alive_follows_the_version_and_Connection(string raw, bool keepAlive)
    {
        Parse(raw, out HttpRequestHead head).Should().BePositive();
        head.KeepAlive.Should().Be(keepAlive);
    }

    [Theory]
    [InlineData("OPTIONS * HTTP/1.1\r\n" + Host + "\r\n", "*")]
    [InlineData("GET http://example.com/json?x HTTP/1.1\r\n" + Host + "\r\n", "/json")]
    [InlineData("GET HTTP://example.com HTTP/1.1\r\n" + Host + "\r\n", "")]
    public void Asterisk_and_absolute_form_targets_are_accepted(string raw, string path)
    {
        byte[] input = Bytes(raw);
        var head = new HttpRequestHead();
        HttpRequestParser.Parse(input, head, HttpLimits.Default).Should().BePositive();
        Text(input.AsSpan()[head.Path]).Should().Be(path);
    }

    [Theory]
    // Malformed request lines.
    [InlineData("GET  / HTTP/1.1\r\n" + Host + "\r\n", 400)]
    [InlineData("GET / HTTP/1.1 \r\n" + Host + "\r\n", 400)]
    [InlineData("GET /\r\n" + Host + "\r\n", 400)]
    [InlineData(" GET / HTTP/1.1\r\n" + Host + "\r\n", 400)]
    [InlineData("G(T / HTTP/1.1\r\n" + Host + "\r\n", 400)]
    [InlineData("GET / http/1.1\r\n" + Host + "\r\n", 400)]
    [InlineData("GET / HTTP/1.1x\r\n" + Host + "\r\n", 400)]
    [InlineData("GET / HTTP/11\r\n" + Host + "\r\n", 400)]
    [InlineData("GET * HTTP/1.1\r\n" + Host + "\r\n", 400)]
    [InlineData("GET example.com:80 HTTP/1.1\r\n" + Host + "\r\n", 400)]
    [InlineData("GET /a#b HTTP/1.1\r\n" + Host + "\r\n", 400)]
    [InlineData("GET /\u00e9 HTTP/1.1\r\n" + Host + "\r\n", 400)]
    [InlineData("GET http:///x HTTP/1.1\r\n" + Host + "\r\n", 400)]
    // Unsupported versions.
    [InlineData("GET / HTTP/2.0\r\n" + Host + "\r\n", 505)]
    [InlineData("GET / HTTP/1.2\r\n" + Host + "\r\n", 505)]
    [InlineData("GET / HTTP/0.9\r\n" + Host + "\r\n", 505)]
    public void A_malformed_request_line_is_rejected(string raw, int status) => AssertRejected(raw, status);

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n")] // bare CR in a value
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\r\n\r\n")] // bare CR before CRLF
    [InlineData("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n")] // bare CR as a line end
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX: b\n\r\n")] // bare LF as a line end
    [InlineData("GET / HTTP/1.1\nHost: a\r\n\r\n")] // bare LF after the request line
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n\n")] // bare LF ending the head
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n")] // NUL
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX: a\u0001b\r\n\r\n")] // another control
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX: a\u007fb\r\n\r\n")] // DEL
    [InlineData("GET /\0 HTTP/1.1\r\nHost: a\r\n\r\n")] // NUL in the target
    [InlineData("GET /\r HTTP/1.1\r\nHost: a\r\n\r\n")] // bare CR in the request line
    public void Bare_CR_bare_LF_NUL_and_control_characters_are_rejected(string raw) => AssertRejected(raw, 400);

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost : a\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost\t: a\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nContent-Length : 5\r\n\r\nhello")]
    public void Whitespace_before_the_colon_is_rejected(string raw) => AssertRejected(raw, 400);

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n\tb\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\n Host: a\r\n\r\n")]
    public void Obsolete_line_folding_is_rejected(string raw)
    {
        AssertRejected(raw, 400);
        Parse(raw, out HttpRequestHead head);
        head.ErrorDetail.Should().Be("obsolete line folding", "the fold is recognised as such, not as a malformed name by chance");
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX(Y): b\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nno colon\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX\u00e9: b\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX\"Y: b\r\n\r\n")]
    public void Invalid_header_names_are_rejected(string raw) => AssertRejected(raw, 400);

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n")]
    [InlineData("GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a b\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a@b\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a,b\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n")]
    public void A_missing_duplicate_or_invalid_Host_is_rejected(string raw) => AssertRejected(raw, 400);

    [Fact]
    public void An_HTTP_1_0_request_needs_no_Host() => Parse("GET / HTTP/1.0\r\n\r\n", out _).Should().BePositive();

    [Theory]
    [InlineData("+5")]
    [InlineData("-5")]
    [InlineData("5 5")]
    [InlineData("0x5")]
    [InlineData("5,5")]
    [InlineData("5, 5")]
    [InlineData("")]
    [InlineData("five")]
    [InlineData("5.0")]
    public void A_Content_Length_with_signs_spaces_lists_or_non_digits_is_rejected(string value) =>
        AssertRejected($"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: {value}\r\n\r\nhello", 400);

    [Fact]
    public void Differing_Content_Lengths_are_rejected() =>
        AssertRejected("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400);

    [Fact]
    public void Identical_Content_Lengths_are_one_length()
    {
        Parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\ncontent-length: 005\r\n\r\nhello", out HttpRequestHead head).Should().BePositive();
        head.ContentLength.Should().Be(5);
    }

    [Theory]
    [InlineData("Content-Length: 5\r\nTransfer-Encoding: chunked")]
    [InlineData("Transfer-Encoding: chunked\r\nContent-Length: 5")]
    [InlineData("Transfer-Encoding: chunked\r\nContent-Length: 0")]
    public void Content_Length_together_with_Transfer_Encoding_is_rejected(string headers) =>
        AssertRejected($"POST / HTTP/1.1\r\nHost: a\r\n{headers}\r\n\r\n0\r\n\r\n", 400);

    [Theory]
    [InlineData("Transfer-Encoding: gzip", 400)]
    [InlineData("Transfer-Encoding: chunked, gzip", 400)]
    [InlineData("Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip", 400)]
    [InlineData("Transfer-Encoding: chunked, chunked", 400)]
    [InlineData("Transfer-Encoding: chunked;q=1", 400)]
    [InlineData("Transfer-Encoding: \"chunked\"", 400)]
    [InlineData("Transfer-Encoding:", 400)]
    [InlineData("Transfer-Encoding: gzip, chunked", 501)]
    [InlineData("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked", 501)]
    public void A_Transfer_Encoding_without_chunked_last_is_rejected_and_other_codings_are_not_implemented(string headers, int status) =>
        AssertRejected($"POST / HTTP/1.1\r\nHost: a\r\n{headers}\r\n\r\n0\r\n\r\n", status);

    [Theory]
    [InlineData("Transfer-Encoding: chunked")]
    [InlineData("Transfer-Encoding: CHUNKED")]
    [InlineData("Transfer-Encoding: , chunked")]
    public void Chunked_is_recognised(string headers)
    {
        Parse($"POST / HTTP/1.1\r\nHost: a\r\n{headers}\r\n\r\n", out HttpRequestHead head).Should().BePositive();
        head.BodyFraming.Should().Be(HttpBodyFraming.Chunked);
    }

    [Fact]
    public void Transfer_Encoding_in_HTTP_1_0_is_rejected() =>
        AssertRejected("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400);

    [Theory]
    [InlineData("1048577")]
    [InlineData("99999999999999999999999999")]
    public void A_Content_Length_over_the_body_limit_is_413(string value) =>
        AssertRejected($"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: {value}\r\n\r\n", 413);

    [Fact]
    public void An_unknown_expectation_is_417() =>
        AssertRejected("POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\nx", 417);

    [Fact]
    public void A_request_line_over_the_limit_is_414_when_the_target_is_long()
    {
        var limits = new HttpLimits { MaxRequestLineLength = 64 };
        string longTarget = "GET /" + new string('a', 100);
        Parse(longTarget, out HttpRequestHead head, limits).Should().Be(HttpRequestParser.Failed, "no more bytes can make it valid");
        head.ErrorStatus.Should().Be(414);

        Parse("GET /" + new string('a', 60) + " HTTP/1.1\r\nHost: a\r\n\r\n", out head, limits).Should().Be(HttpRequestParser.Failed);
        head.ErrorStatus.Should().Be(414);

        Parse("GET /" + new string('a', 40) + " HTTP/1.1\r\nHost: a\r\n\r\n", out _, limits).Should().BePositive("within the limit");
    }

    [Fact]
    public void A_method_over_the_request_line_limit_is_400()
    {
        Parse(new string('G', 100), out HttpRequestHead head, new HttpLimits { MaxRequestLineLength = 64 }).Should().Be(HttpRequestParser.Failed);
        head.ErrorStatus.Should().Be(400);
    }

    [Fact]
    public void A_head_over_the_header_section_limit_is_431_even_before_it_ends()
    {
        var limits = new HttpLimits { MaxHeaderSectionLength = 256 };
        string big = "GET / HTTP/1.1\r\nHost: a\r\nX: " + new string('v', 300);
        Parse(big, out HttpRequestHead head, limits).Should().Be(HttpRequestParser.Failed);
        head.ErrorStatus.Should().Be(431);

        string many = "GET / HTTP/1.1\r\nHost: a\r\n" + string.Concat(Enumerable.Repeat("X: v\r\n", 50));
        Parse(many, out head, limits).Should().Be(HttpRequestParser.Failed);
        head.ErrorStatus.Should().Be(431);
    }

    [Fact]
    public void More_header_lines_than_the_limit_is_431()
    {
        string raw = "GET / HTTP/1.1\r\nHost: a\r\n" + string.Concat(Enumerable.Repeat("X: v\r\n", 10)) + "\r\n";
        AssertRejected(raw, 431, new HttpLimits { MaxHeaderCount = 10 });
        Parse(raw, out _, new HttpLimits { MaxHeaderCount = 11 }).Should().BePositive();
    }

    [Theory]
    [InlineData("\u0016\u0003\u0001\u0002\u0000\u0001")] // a TLS ClientHello
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX: \u0000")]
    [InlineData("GET / HTTP/1.1\r\nHo st")]
    [InlineData("GET /\u0000")]
    public void Garbage_is_rejected_before_the_head_is_complete(string raw) =>
        Parse(raw, out _).Should().Be(HttpRequestParser.Failed, "waiting for more cannot make it valid");

    private static void AssertRejected(string raw, int status, HttpLimits? limits = null)
    {
        int result = Parse(raw, out HttpRequestHead head, limits);
        result.Should().Be(HttpRequestParser.Failed, $"'{raw.ReplaceLineEndings("\\n")}' must be rejected");
        head.ErrorStatus.Should().Be(status, head.ErrorDetail);
        head.ErrorDetail.Should().NotBeNullOrEmpty();
    }
}
