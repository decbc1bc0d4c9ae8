using ReactorNet.Samples.Http.Protocol;
using static ReactorNet.Samples.Tests.Http.HttpTestKit;

namespace ReactorNet.Samples.Tests.Http;

public sealed class HttpBodyDecoderTests
{
    [Theory]
    [InlineData("5\r\nhello\r\n0\r\n\r\n", "hello")]
    [InlineData("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world")]
    [InlineData("A\r\n0123456789\r\n0\r\n\r\n", "0123456789")]
    [InlineData("00005\r\nhello\r\n000\r\n\r\n", "hello")]
    [InlineData("5;name\r\nhello\r\n0\r\n\r\n", "hello")]
    [InlineData("5;name=value;other=\"quoted \\\" ;value\"\r\nhello\r\n0;last\r\n\r\n", "hello")]
    [InlineData("5 ;name = value\r\nhello\r\n0\r\n\r\n", "hello")]
    [InlineData("5\r\nhello\r\n0\r\nTrailer: value\r\nOther:\r\n\r\n", "hello")]
    public void A_valid_chunked_body_decodes_to_its_data(string body, string data)
    {
        (HttpBodyStatus status, string decoded, int used) = Decode(body);

        status.Should().Be(HttpBodyStatus.Complete);
        decoded.Should().Be(data);
        used.Should().Be(body.Length, "the body ends with its trailer section's empty line");
    }

    [Theory]
    [InlineData("x\r\nhello\r\n0\r\n\r\n")] // not hex
    [InlineData("\r\nhello\r\n0\r\n\r\n")] // no size
    [InlineData("-5\r\nhello\r\n0\r\n\r\n")] // sign
    [InlineData("0x5\r\nhello\r\n0\r\n\r\n")] // prefix
    [InlineData("5\nhello\r\n0\r\n\r\n")] // bare LF
    [InlineData("5\rhello\r\n0\r\n\r\n")] // bare CR
    [InlineData("5\r\nhelloX\r\n0\r\n\r\n")] // data longer than the size
    [InlineData("5\r\nhello\n0\r\n\r\n")] // data not followed by CRLF
    [InlineData("5 \r\nhello\r\n0\r\n\r\n")] // whitespace not followed by an extension
    [InlineData("5;\r\nhello\r\n0\r\n\r\n")] // empty extension name
    [InlineData("5;a=\r\nhello\r\n0\r\n\r\n")] // empty extension value
    [InlineData("5;a=\"x\r\nhello\r\n0\r\n\r\n")] // unterminated quoted string
    [InlineData("5;a\u0000\r\nhello\r\n0\r\n\r\n")] // NUL in an extension
    [InlineData("5;a=b c\r\nhello\r\n0\r\n\r\n")] // two tokens
    [InlineData("5\r\nhello\r\n0\r\nX : v\r\n\r\n")] // whitespace before a trailer's colon
    [InlineData("5\r\nhello\r\n0\r\nX: v\r\n folded\r\n\r\n")] // obs-fold in the trailers
    [InlineData("5\r\nhello\r\n0\r\nX: v\rw\r\n\r\n")] // bare CR in a trailer
    [InlineData("5\r\nhello\r\n0\r\nno colon\r\n\r\n")] // trailer line without colon
    public void A_malformed_chunked_body_is_400(string body)
    {
        var decoder = Start(HttpBodyFraming.Chunked);
        Run(decoder, Bytes(body), out _).Should().Be(HttpBodyStatus.Failed);
        decoder.ErrorStatus.Should().Be(400, decoder.ErrorDetail);
    }

    [Fact]
    public void A_chunk_that_would_pass_the_body_limit_is_413_before_its_data()
    {
        var decoder = Start(HttpBodyFraming.Chunked, new HttpLimits { MaxBodyLength = 10 });
        Run(decoder, Bytes("6\r\nhello!\r\n5\r\n"), out _).Should().Be(HttpBodyStatus.Failed);
        decoder.ErrorStatus.Should().Be(413);

        decoder = Start(HttpBodyFraming.Chunked, new HttpLimits { MaxBodyLength = 10 });
        Run(decoder, Bytes("FFFFFFFFFFFFFFFFFFFFFFFF"), out _).Should().Be(HttpBodyStatus.Failed, "a huge size must not overflow");
        decoder.ErrorStatus.Should().Be(413);

        decoder = Start(HttpBodyFraming.Chunked, new HttpLimits { MaxBodyLength = 10 });
        Run(decoder, Bytes("5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n"), out _).Should().Be(HttpBodyStatus.Complete, "exactly the limit is allowed");
    }

    [Fact]
    public void Chunk_lines_and_trailers_are_bounded()
    {
        var limits = new HttpLimits { MaxChunkExtensionLength = 16, MaxTrailerSectionLength = 32 };
        var decoder = Start(HttpBodyFraming.Chunked, limits);
        Run(decoder, Bytes("5;" + new string('a', 100)), out _).Should().Be(HttpBodyStatus.Failed);
        decoder.ErrorStatus.Should().Be(400);

        decoder = Start(HttpBodyFraming.Chunked, limits);
        Run(decoder, Bytes("0\r\nX: " + new string('v', 100)), out _).Should().Be(HttpBodyStatus.Failed);
        decoder.ErrorStatus.Should().Be(431);

        decoder = Start(HttpBodyFraming.Chunked, limits);
        Run(decoder, Bytes(new string('0', 100)), out _).Should().Be(HttpBodyStatus.Failed, "endless leading zeros are bounded too");
    }

    [Fact]
    public void A_Content_Length_body_ends_after_its_length()
    {
        var head = new HttpRequestHead();
        HttpRequestParser.Parse(Bytes("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n"), head, HttpLimits.Default).Should().BePositive();
        var decoder = new HttpBodyDecoder();
        decoder.Start(head, HttpLimits.Default);

        decoder.Decode(Bytes("hel"), out int used, out int offset, out int length).Should().Be(HttpBodyStatus.Data);
        (used, offset, length).Should().Be((3, 0, 3));
        decoder.Decode(Bytes("loGET"), out used, out offset, out length).Should().Be(HttpBodyStatus.Data);
        (used, offset, length).Should().Be((2, 0, 2), "what follows the body is the next request");
        decoder.IsComplete.Should().BeTrue();
    }

    private static HttpBodyDecoder Start(HttpBodyFraming framing, HttpLimits? limits = null)
    {
        limits ??= HttpLimits.Default;
        var head = new HttpRequestHead();
        string raw = framing == HttpBodyFraming.Chunked ? "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" : "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
        HttpRequestParser.Parse(Bytes(raw), head, HttpLimits.Default).Should().BePositive();
        var decoder = new HttpBodyDecoder();
        decoder.Start(head, limits);
        return decoder;
    }

    private static (HttpBodyStatus Status, string Data, int Used) Decode(string body)
    {
        HttpBodyDecoder decoder = Start(HttpBodyFraming.Chunked);
        // One byte at a time: the decoder must keep its place between calls.
        var data = new List<byte>();
        HttpBodyStatus status = HttpBodyStatus.NeedMore;
        byte[] bytes = Bytes(body);
        int used = 0;
        for (int i = 0; i < bytes.Length && status is not (HttpBodyStatus.Complete or HttpBodyStatus.Failed); i++)
        {
            status = Run(decoder, bytes.AsSpan(i, 1), out int u, data);
            used += u;
        }
        return (status, Text(data.ToArray()), used);
    }

    private static HttpBodyStatus Run(HttpBodyDecoder decoder, ReadOnlySpan<byte> input, out int used, List<byte>? data = null)
    {
        used = 0;
        while (true)
        {
            HttpBodyStatus status = decoder.Decode(input[used..], out int consumed, out int offset, out int length);
            data?.AddRange(input.Slice(used + offset, length).ToArray());
            used += consumed;
            if (status != HttpBodyStatus.Data || used == input.Length)
            {
                return status == HttpBodyStatus.Data && decoder.IsComplete ? HttpBodyStatus.Complete : status;
            }
        }
    }
}
