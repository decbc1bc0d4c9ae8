using System.Text;
using ReactorNet.Samples.Resp.Protocol;

namespace ReactorNet.Samples.Resp.Tests.Unit;

/// <summary>The request parser: framing, splitting, limits and Redis's error words.</summary>
public sealed class RespParserTests
{
    private const int Iterations = 200;

    [Fact]
    public void Any_split_of_a_pipelined_stream_parses_the_same_requests()
    {
        for (int iteration = 0; iteration < Iterations; iteration++)
        {
            int seed = 1000 + iteration;
            var random = new Random(seed);
            (byte[] stream, List<string[]> requests) = GenerateStream(random, random.Next(1, 12));
            string expected = Signature(requests);

            ParseInChunks([stream]).Should().Be(expected, $"one chunk (seed {seed})");

            // Random cut points.
            var cuts = Enumerable.Range(0, random.Next(1, 20)).Select(_ => random.Next(0, stream.Length + 1)).Order().ToList();
            var chunks = new List<byte[]>();
            int previous = 0;
            foreach (int cut in cuts.Append(stream.Length))
            {
                chunks.Add(stream[previous..cut]);
                previous = cut;
            }
            ParseInChunks(chunks).Should().Be(expected, $"random chunks (seed {seed})");

            if (iteration % 20 == 0)
            {
                // Byte by byte, and every two-piece split: the hardest cases for resuming.
                ParseInChunks(stream.Select(b => new[] { b })).Should().Be(expected, $"byte by byte (seed {seed})");
                // Every split point of a short stream; a long one's first 2000 split points (its headers are there).
                for (int split = 0; split <= Math.Min(stream.Length, 2000); split++)
                {
                    string parsed = ParseInChunks([stream[..split], stream[split..]]);
                    if (parsed != expected)
                    {
                        parsed.Should().Be(expected, $"split at {split} (seed {seed})");
                    }
                }
            }
        }
    }

    [Fact]
    public void Random_bytes_give_requests_or_a_protocol_error_and_never_throw()
    {
        byte[] alphabet = "*$\r\n0123456789-+\"'\\x ab"u8.ToArray();
        for (int iteration = 0; iteration < 2000; iteration++)
        {
            int seed = 5000 + iteration;
            var random = new Random(seed);
            byte[] input = new byte[random.Next(0, 200)];
            for (int i = 0; i < input.Length; i++)
            {
                input[i] = random.Next(4) == 0 ? (byte)random.Next(256) : alphabet[random.Next(alphabet.Length)];
            }

            var parser = new RespParser();
            int offset = 0;
            try
            {
                while (true)
                {
                    RespParseStatus status = parser.Parse(input.AsSpan(offset), out int consumed);
                    if (status == RespParseStatus.Complete)
                    {
                        consumed.Should().BePositive($"a complete request uses bytes (seed {seed})");
                        for (int i = 0; i < parser.ArgumentCount; i++)
                        {
                            _ = parser.Argument(input.AsSpan(offset), i).Length;
                        }
                        offset += consumed;
                        continue;
                    }
                    if (status == RespParseStatus.Error)
                    {
                        parser.Error.Should().StartWith("ERR Protocol error: ", $"seed {seed}");
                    }
                    break;
                }
            }
            catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
            {
                throw new InvalidOperationException($"The parser threw on random input (seed {seed}): {Convert.ToHexString(input)}", ex);
            }
        }
    }

    [Theory]
    [InlineData("*x\r\n", ProtocolErrors.InvalidMultibulkLength)]
    [InlineData("*1048577\r\n", ProtocolErrors.InvalidMultibulkLength)]
    [InlineData("*+1\r\n", ProtocolErrors.InvalidMultibulkLength)]
    [InlineData("*1\r\n$x\r\n", ProtocolErrors.InvalidBulkLength)]
    [InlineData("*1\r\n$-1\r\n", ProtocolErrors.InvalidBulkLength)]
    [InlineData("*1\r\n$536870913\r\n", ProtocolErrors.InvalidBulkLength)]
    [InlineData("*1\r\nx3\r\n", "ERR Protocol error: expected '$', got 'x'")]
    [InlineData("*2\r\n$1\r\na\r\n:1\r\n", "ERR Protocol error: expected '$', got ':'")]
    [InlineData("SET a \"b\r\n", ProtocolErrors.UnbalancedQuotes)]
    [InlineData("SET a 'b\r\n", ProtocolErrors.UnbalancedQuotes)]
    [InlineData("SET a \"b\"c\r\n", ProtocolErrors.UnbalancedQuotes)]
    public void Bad_input_gets_the_Redis_error(string input, string error)
    {
        var parser = new RespParser();

        parser.Parse(Encoding.Latin1.GetBytes(input), out int consumed).Should().Be(RespParseStatus.Error);

        parser.Error.Should().Be(error);
        consumed.Should().Be(0);
    }

    [Fact]
    public void An_inline_request_longer_than_64_KiB_without_a_newline_is_too_big()
    {
        var parser = new RespParser();
        byte[] line = Enumerable.Repeat((byte)'a', RespParser.MaxInlineLength).ToArray();

        parser.Parse(line, out _).Should().Be(RespParseStatus.Incomplete, "64 KiB is still allowed");
        parser.Parse([.. line, (byte)'a'], out _).Should().Be(RespParseStatus.Error);
        parser.Error.Should().Be("ERR Protocol error: too big inline request");
    }

    [Fact]
    public void Header_lines_longer_than_64_KiB_are_too_big()
    {
        byte[] digits = Enumerable.Repeat((byte)'1', RespParser.MaxInlineLength + 1).ToArray();

        var parser = new RespParser();
        parser.Parse([(byte)'*', .. digits], out _).Should().Be(RespParseStatus.Error);
        parser.Error.Should().Be("ERR Protocol error: too big mbulk count string");

        parser = new RespParser();
        parser.Parse([.. "*1\r\n$"u8, .. digits], out _).Should().Be(RespParseStatus.Error);
        parser.Error.Should().Be("ERR Protocol error: too big bulk count string");
    }

    [Fact]
    public void The_limits_themselves_are_accepted()
    {
        new RespParser().Parse("*1048576\r\n"u8, out _).Should().Be(RespParseStatus.Incomplete, "1,048,576 arguments are allowed");
        new RespParser().Parse("*1\r\n$536870912\r\n"u8, out _).Should().Be(RespParseStatus.Incomplete, "a 512 MiB bulk is allowed");
    }

    [Theory]
    [InlineData("*0\r\n")]
    [InlineData("*-1\r\n")]
    [InlineData("\r\n")]
    [InlineData("   \n")]
    public void Empty_requests_are_consumed_with_no_arguments(string input)
    {
        var parser = new RespParser();

        parser.Parse(Encoding.ASCII.GetBytes(input), out int consumed).Should().Be(RespParseStatus.Complete);

        consumed.Should().Be(input.Length);
        parser.ArgumentCount.Should().Be(0);
    }

    [Theory]
    [InlineData("set a \"x\\x41\\n\\\"y\" \r\n", new[] { "set", "a", "xA\n\"y" })]
    [InlineData("set 'it\\'s' b\n", new[] { "set", "it's", "b" })]
    [InlineData("  get\t k  \r\n", new[] { "get", "k" })]
    [InlineData("echo \"\"\r\n", new[] { "echo", "" })]
    public void Inline_requests_are_split_like_sdssplitargs(string input, string[] expected)
    {
        var parser = new RespParser();
        byte[] bytes = Encoding.Latin1.GetBytes(input);

        parser.Parse(bytes, out int consumed).Should().Be(RespParseStatus.Complete);

        consumed.Should().Be(bytes.Length);
        Arguments(parser, bytes).Should().Equal(expected);
    }

    [Fact]
    public void Parsing_allocates_nothing_in_steady_state()
    {
        byte[] request = Encoding.ASCII.GetBytes("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n");
        var parser = new RespParser();
        int ParseAll()
        {
            int offset = 0, count = 0;
            while (parser.Parse(request.AsSpan(offset), out int consumed) == RespParseStatus.Complete)
            {
                count += parser.ArgumentCount;
                offset += consumed;
            }
            return count;
        }
        ParseAll();

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            ParseAll();
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        allocated.Should().Be(0);
    }

    /// <summary>Feeds the chunks as a connection receives them (unconsumed bytes kept in front of the next chunk).</summary>
    /// <returns>The <see cref="Signature"/> of the requests parsed.</returns>
    private static string ParseInChunks(IEnumerable<byte[]> chunks)
    {
        var parser = new RespParser();
        var buffer = new List<byte>();
        var requests = new List<string[]>();
        foreach (byte[] chunk in chunks)
        {
            buffer.AddRange(chunk);
            while (true)
            {
                byte[] input = [.. buffer];
                RespParseStatus status = parser.Parse(input, out int consumed);
                status.Should().NotBe(RespParseStatus.Error, parser.Error);
                if (status == RespParseStatus.Incomplete)
                {
                    break;
                }
                requests.Add(Arguments(parser, input));
                buffer.RemoveRange(0, consumed);
            }
        }
        buffer.Should().BeEmpty("the stream ends with a complete request");
        return Signature(requests);
    }

    /// <summary>The requests as one string: cheap to compare, readable in a failure message.</summary>
    private static string Signature(List<string[]> requests) =>
        string.Join(" | ", requests.Select(r => $"[{r.Length}] " + string.Join(" ", r.Select(a => Convert.ToHexString(Encoding.Latin1.GetBytes(a))))));

    private static string[] Arguments(RespParser parser, ReadOnlySpan<byte> input)
    {
        string[] args = new string[parser.ArgumentCount];
        for (int i = 0; i < args.Length; i++)
        {
            args[i] = Encoding.Latin1.GetString(parser.Argument(input, i));
        }
        return args;
    }

    /// <summary>Multibulk requests with binary arguments, inline requests with quoting, empty requests.</summary>
    private static (byte[] Stream, List<string[]> Requests) GenerateStream(Random random, int count)
    {
        var stream = new StringBuilder();
        var requests = new List<string[]>();
        for (int r = 0; r < count; r++)
        {
            switch (random.Next(5))
            {
                case 0 or 1 or 2:
                {
                    string[] args = new string[random.Next(1, 6)];
                    for (int i = 0; i < args.Length; i++)
                    {
                        int length = random.Next(10) == 0 ? random.Next(0, 2000) : random.Next(0, 20);
                        args[i] = new string(Enumerable.Range(0, length).Select(_ => (char)random.Next(256)).ToArray());
                    }
                    stream.Append(Support.CommandHarness.Multibulk(args));
                    requests.Add(args);
                    break;
                }
                case 3:
                {
                    string[] words = ["get", "set", "k1", "\"a b\"", "'c d'", "\"x\\x41\\n\"", "''"];
                    string[] decoded = ["get", "set", "k1", "a b", "c d", "xA\n", ""];
                    int[] picks = Enumerable.Range(0, random.Next(1, 5)).Select(_ => random.Next(words.Length)).ToArray();
                    stream.Append(string.Join(random.Next(2) == 0 ? " " : "  \t", picks.Select(i => words[i])));
                    stream.Append(random.Next(2) == 0 ? "\r\n" : "\n");
                    requests.Add(picks.Select(i => decoded[i]).ToArray());
                    break;
                }
                default:
                    stream.Append(random.Next(2) == 0 ? "*0\r\n" : "\r\n");
                    requests.Add([]);
                    break;
            }
        }
        return (Encoding.Latin1.GetBytes(stream.ToString()), requests);
    }
}
