using System.Buffers;
using System.Text;
using ReactorNet.Samples.Common;

namespace ReactorNet.Samples.Tests.Unit;

public sealed class EchoSessionTests
{
    private const string Greeting = "Hello, ";

    [Fact]
    public void Plain_echo_returns_every_byte_unchanged()
    {
        byte[] data = new byte[5000];
        new Random(862).NextBytes(data);
        using EchoSession session = EchoProtocol.Plain.CreateSession();
        var output = new ArrayBufferWriter<byte>();

        session.OnReceived(data.AsSpan(0, 1234), output);
        session.OnReceived(ReadOnlySpan<byte>.Empty, output);
        session.OnReceived(data.AsSpan(1234), output);
        session.Complete(output);

        output.WrittenSpan.ToArray().Should().Equal(data);
        session.BufferedLength.Should().Be(0);
    }

    [Fact]
    public void Line_mode_answers_each_line_with_the_greeting_and_keeps_crlf()
    {
        Feed(Greeting, ["world\r\nfoo\nbar\n"]).Should().Be("Hello, world\r\nHello, foo\nHello, bar\n");
    }

    [Fact]
    public void Line_mode_holds_an_unfinished_line_until_its_newline()
    {
        using EchoSession session = new EchoProtocol(Greeting).CreateSession();
        var output = new ArrayBufferWriter<byte>();

        session.OnReceived("wor"u8, output);
        output.WrittenCount.Should().Be(0);
        session.BufferedLength.Should().Be(3);

        session.OnReceived("ld\nnext"u8, output);
        Text(output).Should().Be("Hello, world\n");
        session.BufferedLength.Should().Be(4);
    }

    [Fact]
    public void Line_mode_gives_the_same_answer_however_the_input_is_split()
    {
        const string input = "ab\r\n\ncd\nefg\n";
        string expected = "Hello, ab\r\nHello, \nHello, cd\nHello, efg\n";
        for (int first = 0; first <= input.Length; first++)
        {
            for (int second = first; second <= input.Length; second++)
            {
                string[] chunks = [input[..first], input[first..second], input[second..]];
                Feed(Greeting, chunks).Should().Be(expected, $"the input was split as [{string.Join("|", chunks)}]");
            }
        }
    }

    [Fact]
    public void Line_mode_with_random_lines_and_random_reads_matches_a_line_by_line_answer()
    {
        var random = new Random(4242);
        for (int round = 0; round < 200; round++)
        {
            int maxLineLength = random.Next(1, 40);
            string[] lines = Enumerable.Range(0, random.Next(1, 12))
                .Select(_ => new string('x', random.Next(0, 60)) + (random.Next(4) == 0 ? "\r\n" : "\n"))
                .ToArray();
            byte[] input = Encoding.UTF8.GetBytes(string.Concat(lines));

            using EchoSession session = new EchoProtocol(Greeting, maxLineLength).CreateSession();
            var output = new ArrayBufferWriter<byte>();
            for (int offset = 0; offset < input.Length;)
            {
                int size = Math.Min(random.Next(1, 30), input.Length - offset);
                session.OnReceived(input.AsSpan(offset, size), output);
                session.BufferedLength.Should().BeLessThanOrEqualTo(maxLineLength);
                offset += size;
            }

            Text(output).Should().Be(string.Concat(lines.Select(l => Greeting + l)), $"round {round}, max line length {maxLineLength}");
        }
    }

    [Fact]
    public void An_overlong_line_is_answered_in_pieces_with_one_greeting_and_bounded_memory()
    {
        using EchoSession session = new EchoProtocol("> ", maxLineLength: 8).CreateSession();
        var output = new ArrayBufferWriter<byte>();

        session.OnReceived("012345"u8, output);
        output.WrittenCount.Should().Be(0, "6 bytes fit in the bound");

        session.OnReceived("6789"u8, output);
        Text(output).Should().Be("> 0123456789", "past the bound the session answers what it has");
        session.BufferedLength.Should().Be(0);

        session.OnReceived("abc"u8, output);
        session.OnReceived("\nnext\n"u8, output);
        Text(output).Should().Be("> 0123456789abc\n> next\n", "the rest of the long line passes through, then lines are answered as usual");
    }

    [Fact]
    public void Complete_answers_an_unfinished_last_line_without_adding_a_newline()
    {
        using EchoSession session = new EchoProtocol(Greeting).CreateSession();
        var output = new ArrayBufferWriter<byte>();
        session.OnReceived("one\ntail"u8, output);

        session.Complete(output);
        session.Complete(output);

        Text(output).Should().Be("Hello, one\nHello, tail");
    }

    [Fact]
    public void Buffer_writer_and_struct_sinks_see_the_same_bytes()
    {
        var protocol = new EchoProtocol(Greeting);
        var viaWriter = new ArrayBufferWriter<byte>();
        using (EchoSession session = protocol.CreateSession())
        {
            session.OnReceived("a\nb"u8, viaWriter);
            session.Complete(viaWriter);
        }

        var sink = new CountingSink(new ArrayBufferWriter<byte>());
        using (EchoSession session = protocol.CreateSession())
        {
            session.OnReceived("a\nb"u8, ref sink);
            session.Complete(ref sink);
        }

        Text(viaWriter).Should().Be("Hello, a\nHello, b");
        Text(sink.Output).Should().Be("Hello, a\nHello, b");
        sink.Calls.Should().BeGreaterThan(0);
    }

    [Fact]
    public void A_ref_struct_sink_over_a_span_works_and_complete_lines_allocate_nothing()
    {
        using EchoSession session = new EchoProtocol(Greeting).CreateSession();
        Span<byte> buffer = stackalloc byte[256];
        var sink = new SpanSink(buffer);
        session.OnReceived("warm\nup\n"u8, ref sink); // first calls may allocate (JIT, pool)

        sink = new SpanSink(buffer);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            sink = new SpanSink(buffer);
            session.OnReceived("one\ntwo\r\n"u8, ref sink);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Encoding.UTF8.GetString(buffer[..sink.Written]).Should().Be("Hello, one\nHello, two\r\n");
        allocated.Should().Be(0);
    }

    [Fact]
    public void The_greeting_is_sent_as_utf8_and_an_empty_greeting_echoes_line_by_line()
    {
        Feed("Grüße, ", ["Welt\n"]).Should().Be("Grüße, Welt\n");
        Feed("", ["a", "b\n"]).Should().Be("ab\n");
        new EchoProtocol("").IsLineMode.Should().BeTrue();
        EchoProtocol.Plain.IsLineMode.Should().BeFalse();
    }

    [Fact]
    public void A_disposed_session_refuses_input()
    {
        EchoSession session = new EchoProtocol(Greeting).CreateSession();
        session.OnReceived("partial"u8, new ArrayBufferWriter<byte>());
        session.Dispose();
        session.Dispose();

        var act = () => session.OnReceived("x\n"u8, new ArrayBufferWriter<byte>());
        act.Should().Throw<ObjectDisposedException>();
    }

    private static string Feed(string greeting, IEnumerable<string> chunks)
    {
        using EchoSession session = new EchoProtocol(greeting).CreateSession();
        var output = new ArrayBufferWriter<byte>();
        foreach (string chunk in chunks)
        {
            session.OnReceived(Encoding.UTF8.GetBytes(chunk), output);
        }
        return Text(output);
    }

    private static string Text(ArrayBufferWriter<byte> output) => Encoding.UTF8.GetString(output.WrittenSpan);

    private ref struct SpanSink(Span<byte> buffer) : IReplySink
    {
        private readonly Span<byte> _buffer = buffer;

        public int Written { get; private set; }

        public void Write(ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(_buffer[Written..]);
            Written += bytes.Length;
        }
    }

    private struct CountingSink(ArrayBufferWriter<byte> output) : IReplySink
    {
        public ArrayBufferWriter<byte> Output { get; } = output;

        public int Calls { get; private set; }

        public void Write(ReadOnlySpan<byte> bytes)
        {
            Calls++;
            Output.Write(bytes);
        }
    }
}
