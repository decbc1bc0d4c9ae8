using System.Buffers;
using ReactorNet.Samples.Http.Protocol;
using static ReactorNet.Samples.Tests.Http.HttpTestKit;

namespace ReactorNet.Samples.Tests.Http;

/// <summary>
/// Properties over many generated inputs (bounded counts, fixed seeds so a failure can be replayed:
/// each failure message names its seed).
/// </summary>
public sealed class HttpParserPropertyTests
{
    private const int Runs = 300;

    /// <summary>A pipelined stream touching every framing: Content-Length, chunked with extensions and trailers, no body, HEAD, errors that keep the connection (404, 405).</summary>
    private static readonly byte[] Pipeline = Bytes(
        "GET / HTTP/1.1\r\nHost: a\r\n\r\n" +
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world" +
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n1;q=\"x;y\"\r\n!\r\n0\r\nT: v\r\n\r\n" +
        "\r\nHEAD /json HTTP/1.1\r\nHost: a\r\nX-Long: " + new string('x', 300) + "\r\n\r\n" +
        "GET /echo HTTP/1.1\r\nhost: a\r\nA: 1\r\n\r\n" +
        "DELETE /json HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nxy" +
        "GET /nope?x HTTP/1.1\r\nHost: a\r\n\r\n" +
        "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n" +
        "GET /json HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");

    [Fact]
    public void Any_split_of_a_valid_pipelined_stream_gives_the_same_responses()
    {
        string whole = Feed(Session(), [Pipeline]);
        StatusLines(whole).Should().HaveCount(9, "every request is answered");

        Feed(Session(), Pipeline.Select(b => new[] { b })).Should().Be(whole, "one byte at a time");
        for (int seed = 0; seed < Runs; seed++)
        {
            var random = new Random(seed);
            Feed(Session(), Split(Pipeline, random)).Should().Be(whole, $"seed {seed} must split without changing the answer");
        }
    }

    [Fact]
    public void Random_bytes_never_throw_and_end_in_an_error_status()
    {
        var limits = new HttpLimits { MaxRequestLineLength = 512, MaxHeaderSectionLength = 2048 };
        var options = new HttpServerOptions { Limits = limits };
        for (int seed = 0; seed < Runs; seed++)
        {
            var random = new Random(seed);
            byte[] junk = new byte[random.Next(0, 3000)];
            random.NextBytes(junk);
            HttpSession session = Session(options);
            string output;
            try
            {
                // The junk, split at random, then filler until no limit can still be met.
                output = Feed(session, Split(junk, random).Append(Bytes(new string('a', limits.MaxHeaderSectionLength + 1))));
            }
            catch (Exception ex)
            {
                throw new InvalidOperationException($"seed {seed}: the session threw", ex);
            }
            session.IsClosed.Should().BeTrue($"seed {seed}: junk must end the connection");
            session.Error.Status.Should().BeInRange(400, 599, $"seed {seed}");
            StatusLines(output).Should().ContainSingle($"seed {seed}").Which.Should().MatchRegex("^HTTP/1.1 [45]");
        }
    }

    [Fact]
    public void Mutations_of_a_valid_stream_never_throw_and_errors_are_4xx_or_5xx()
    {
        for (int seed = 0; seed < Runs; seed++)
        {
            var random = new Random(seed);
            byte[] mutated = [.. Pipeline];
            for (int i = random.Next(1, 4); i > 0; i--)
            {
                mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
            }
            HttpSession session = Session();
            var output = new ArrayBufferWriter<byte>();
            int used;
            try
            {
                used = session.Process(mutated, output, 0);
            }
            catch (Exception ex)
            {
                throw new InvalidOperationException($"seed {seed}: the session threw", ex);
            }
            used.Should().BeInRange(0, mutated.Length, $"seed {seed}");
            if (session.Error.Status != 0)
            {
                session.Error.Status.Should().BeInRange(400, 599, $"seed {seed}");
                session.IsClosed.Should().BeTrue($"seed {seed}");
            }
        }
    }

    [Fact]
    public void The_parser_never_reads_past_what_it_reports_and_never_throws_on_prefixes()
    {
        var head = new HttpRequestHead();
        for (int length = 0; length <= Pipeline.Length; length++)
        {
            int result = HttpRequestParser.Parse(Pipeline.AsSpan(0, length), head, HttpLimits.Default);
            result.Should().BeInRange(HttpRequestParser.NeedMore, length, $"prefix of {length} bytes");
        }
    }

    private static IEnumerable<byte[]> Split(byte[] data, Random random)
    {
        int position = 0;
        while (position < data.Length)
        {
            int size = Math.Min(data.Length - position, random.Next(1, random.Next(2) == 0 ? 8 : 200));
            yield return data[position..(position + size)];
            position += size;
        }
    }
}
