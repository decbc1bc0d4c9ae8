using System.Buffers;
using System.Text;
using ReactorNet.Samples.Resp.Commands;
using ReactorNet.Samples.Resp.Server;
using ReactorNet.Samples.Resp.Storage;
using ReactorNet.Samples.Resp.Tests.Support;

namespace ReactorNet.Samples.Resp.Tests.Unit;

/// <summary>How a session hands replies to its output: the transport counts each Advance against the client's limits.</summary>
public sealed class RespSessionTests
{
    private static RespSession NewSession()
    {
        var server = new ServerState(new Keyspace(seed: 1));
        return new RespSession(server, CommandTable.Default, server.Connect("127.0.0.1:1234"));
    }

    private static readonly string Pipeline =
        "PING\r\n" + CommandHarness.Multibulk("SET", "k", "value") + CommandHarness.Multibulk("GET", "k") +
        CommandHarness.Multibulk("GET", "missing") + CommandHarness.Multibulk("ECHO", "hi") + "NOSUCH x\r\n";

    private static readonly string[] Replies =
    [
        "+PONG\r\n", CommandHarness.Ok, CommandHarness.Bulk("value"), CommandHarness.Null, CommandHarness.Bulk("hi"),
        CommandHarness.Error("ERR unknown command 'NOSUCH', with args beginning with: 'x' "),
    ];

    [Fact]
    public void Each_reply_reaches_the_output_with_one_advance()
    {
        var output = new CountingWriter();

        int consumed = NewSession().Process(Encoding.ASCII.GetBytes(Pipeline), output, writable: null, out _);

        consumed.Should().Be(Pipeline.Length);
        Encoding.ASCII.GetString(output.WrittenSpan).Should().Be(string.Concat(Replies));
        output.Advances.Should().Be(Replies.Length, "a bulk reply's header, payload and CRLF are handed over together");
    }

    [Fact]
    public void Every_reply_is_in_the_output_when_the_session_asks_whether_the_client_takes_more()
    {
        var output = new CountingWriter();
        var seen = new List<int>();

        NewSession().Process(Encoding.ASCII.GetBytes(Pipeline), output, () => { seen.Add(output.WrittenCount); return true; }, out _);

        seen.Should().Equal(Replies.Select((_, i) => Replies.Take(i + 1).Sum(r => r.Length)));
    }

    [Fact]
    public void A_large_value_keeps_its_place_between_small_replies()
    {
        string large = new('v', 3 * Protocol.RespWriter.LargePayload);
        string input = "PING\r\n" + CommandHarness.Multibulk("ECHO", large) + "PING\r\n";
        var output = new CountingWriter();

        NewSession().Process(Encoding.ASCII.GetBytes(input), output, writable: null, out _);

        Encoding.ASCII.GetString(output.WrittenSpan).Should().Be("+PONG\r\n" + CommandHarness.Bulk(large) + "+PONG\r\n");
    }

    [Theory]
    [InlineData("SET", "counter", "1000")]
    [InlineData("INCR", "counter")]
    [InlineData("SET", "counter", "2000", "EX", "100")]
    public void Rewriting_a_value_of_the_same_length_allocates_nothing(params string[] command)
    {
        RespSession session = NewSession();
        var output = new ArrayBufferWriter<byte>();
        byte[] set = Encoding.ASCII.GetBytes(CommandHarness.Multibulk("SET", "counter", "1000"));
        byte[] batch = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(CommandHarness.Multibulk(command), 100)));
        session.Process(set, output, writable: null, out _);
        session.Process(batch, output, writable: null, out _); // compiles the path, grows the output once
        session.Process(set, output, writable: null, out _);
        output.ResetWrittenCount();

        long before = GC.GetAllocatedBytesForCurrentThread();
        session.Process(batch, output, writable: null, out _);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        allocated.Should().Be(0, "the stored value is overwritten in place when its length does not change");
        output.WrittenCount.Should().BeGreaterThan(100 * 4);
    }

    /// <summary>An ArrayBufferWriter that counts Advance calls.</summary>
    /// <summary>
    /// A client that does not read, sent one MGET whose reply passes its output limit, is dropped
    /// by the transport, which refuses (discards) what follows; the command must stop there. It
    /// went on to the last key: MGET of an 8 MiB value 100,000 times held the loop for 21 s after
    /// the client was dropped (the stall every other client of the loop saw).
    /// </summary>
    [Fact]
    public void A_command_stops_producing_a_reply_its_client_was_dropped_for()
    {
        const int Limit = 64 * 1024;
        const int ValueSize = 2048;
        var server = new ServerState(new Keyspace(seed: 1));
        var output = new RefusingWriter(Limit);
        ClientState client = server.Connect("127.0.0.1:1234");
        client.RepliesRefused = () => output.Refused;
        var session = new RespSession(server, CommandTable.Default, client);
        session.Process(Encoding.ASCII.GetBytes(CommandHarness.Multibulk("SET", "v", new string('v', ValueSize))), new ArrayBufferWriter<byte>(), writable: null, out _);

        byte[] mget = Encoding.ASCII.GetBytes(CommandHarness.Multibulk(["MGET", .. Enumerable.Repeat("v", 10_000)]));
        session.Process(mget, output, writable: null, out _).Should().Be(mget.Length);

        output.Refused.Should().BeTrue();
        output.DiscardedBytes.Should().BeLessThan(100 * ValueSize, "the command looks every few keys whether its client is still there (the whole reply is 20 MB)");
        server.Keyspace.Count.Should().Be(1);
    }

    /// <summary>Takes replies up to a limit, then refuses everything, as the transport does past the output limit.</summary>
    private sealed class RefusingWriter(int limit) : IBufferWriter<byte>
    {
        private readonly ArrayBufferWriter<byte> _inner = new();

        public bool Refused { get; private set; }

        public long DiscardedBytes { get; private set; }

        public void Advance(int count)
        {
            if (Refused || _inner.WrittenCount + count > limit)
            {
                Refused = true;
                DiscardedBytes += count;
                return;
            }
            _inner.Advance(count);
        }

        public Memory<byte> GetMemory(int sizeHint = 0) => _inner.GetMemory(sizeHint);

        public Span<byte> GetSpan(int sizeHint = 0) => _inner.GetSpan(sizeHint);
    }

    private sealed class CountingWriter : IBufferWriter<byte>
    {
        private readonly ArrayBufferWriter<byte> _inner = new();

        public int Advances { get; private set; }

        public int WrittenCount => _inner.WrittenCount;

        public ReadOnlySpan<byte> WrittenSpan => _inner.WrittenSpan;

        public void Advance(int count)
        {
            Advances++;
            _inner.Advance(count);
        }

        public Memory<byte> GetMemory(int sizeHint = 0) => _inner.GetMemory(sizeHint);

        public Span<byte> GetSpan(int sizeHint = 0) => _inner.GetSpan(sizeHint);
    }
}
