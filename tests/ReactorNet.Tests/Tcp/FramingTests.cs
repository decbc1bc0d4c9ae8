using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using ReactorNet.Framing;
using ReactorNet.Tcp;
using ReactorNet.Tests.Support;
using Xunit.Abstractions;

namespace ReactorNet.Tests.Tcp;

/// <summary>
/// The framing helpers on the consumed-count input (issue #13): a frame split at any byte
/// position, or many frames coalesced into one read, decode to the same frames.
/// </summary>
public sealed class FramingTests(ITestOutputHelper output)
{
    private static readonly LengthPrefixFramer Prefixed = new(maxFrameLength: 1000);

    private static byte[] LengthPrefixed(params int[] sizes)
    {
        var stream = new MemoryStream();
        for (int i = 0; i < sizes.Length; i++)
        {
            var prefix = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(prefix, sizes[i]);
            stream.Write(prefix);
            stream.Write(Enumerable.Range(0, sizes[i]).Select(b => (byte)(i * 31 + b)).ToArray());
        }
        return stream.ToArray();
    }

    private static byte[] Lines(params string[] lines) => System.Text.Encoding.ASCII.GetBytes(string.Concat(lines.Select(l => l + "\r\n")));

    /// <summary>Feeds <paramref name="chunks"/> the way the transport presents them: what was not consumed comes back before the next chunk.</summary>
    private static List<byte[]> Decode(IFramer framer, IEnumerable<byte[]> chunks)
    {
        var frames = new List<byte[]>();
        byte[] kept = [];
        foreach (byte[] chunk in chunks)
        {
            byte[] data = [.. kept, .. chunk];
            int consumed = 0;
            while (framer.TryReadFrame(data.AsSpan(consumed), out Range frame, out int used) == OperationStatus.Done)
            {
                frames.Add(data.AsSpan(consumed)[frame].ToArray());
                consumed += used;
            }
            kept = data[consumed..];
        }
        kept.Should().BeEmpty("every frame was whole at the end");
        return frames;
    }

    public static TheoryData<string> Framers => new() { "length-prefix", "crlf" };

    private static (IFramer Framer, byte[] Stream) Case(string name) => name == "crlf"
        ? (DelimiterFramer.CrLf, Lines("PING", "", "SET k v", "a longer line with \r inside"))
        : (Prefixed, LengthPrefixed(0, 5, 17, 1, 300));

    [Theory]
    [MemberData(nameof(Framers))]
    public void Splitting_at_every_byte_position_and_random_splits_decode_like_one_read(string name)
    {
        var (framer, stream) = Case(name);
        List<byte[]> whole = Decode(framer, [stream]);
        whole.Should().HaveCountGreaterThan(3);
        for (int split = 0; split <= stream.Length; split++)
        {
            Decode(framer, [stream[..split], stream[split..]]).Should().BeEquivalentTo(whole, o => o.WithStrictOrdering(), $"split at byte {split}");
        }
        const int Seed = 1313;
        output.WriteLine($"random splits: seed {Seed}");
        var random = new Random(Seed);
        for (int round = 0; round < 200; round++)
        {
            var chunks = new List<byte[]>();
            for (int at = 0; at < stream.Length;)
            {
                int n = Math.Min(stream.Length - at, random.Next(1, 9));
                chunks.Add(stream[at..(at + n)]);
                at += n;
            }
            Decode(framer, chunks).Should().BeEquivalentTo(whole, o => o.WithStrictOrdering(), $"round {round} of seed {Seed}");
        }
    }

    [Fact]
    public void Framers_refuse_frames_past_their_maximum()
    {
        var prefixed = new LengthPrefixFramer(prefixLength: 2, maxFrameLength: 10);
        prefixed.TryReadFrame([0, 11], out _, out _).Should().Be(OperationStatus.InvalidData, "decided from the prefix alone");
        prefixed.TryReadFrame([0, 10, 1, 2], out _, out _).Should().Be(OperationStatus.NeedMoreData);
        var lines = new DelimiterFramer("\n"u8, maxFrameLength: 4);
        lines.TryReadFrame("abcd\n"u8, out Range frame, out int used).Should().Be(OperationStatus.Done);
        (frame.End.Value, used).Should().Be((4, 5));
        lines.TryReadFrame("abcd"u8, out _, out _).Should().Be(OperationStatus.NeedMoreData);
        lines.TryReadFrame("abcde"u8, out _, out _).Should().Be(OperationStatus.InvalidData);
        FluentActions.Invoking(() => new LengthPrefixFramer(prefixLength: 3)).Should().Throw<ArgumentOutOfRangeException>();
    }

    /// <summary>Echoes each frame back with the same framing; counts frames.</summary>
    private sealed class FrameEcho(LengthPrefixFramer framer) : FrameHandler(framer)
    {
        public TaskCompletionSource<TcpConnection> Connected { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<CloseReason> Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int FrameCount { get; private set; }

        public override void OnConnected(TcpConnection connection) => Connected.TrySetResult(connection);

        public override void OnClosed(TcpConnection connection, CloseReason reason, Exception? error) => Closed.TrySetResult(reason);

        protected override void OnFrame(TcpConnection connection, ReadOnlySpan<byte> frame)
        {
            FrameCount++;
            Span<byte> prefix = stackalloc byte[4];
            framer.WritePrefix(prefix, frame.Length);
            connection.TrySend(prefix, frame);
        }
    }

    private static async Task<(LoopHarness Loop, TcpServer Server, Socket Client, TcpConnection Connection, FrameEcho Handler)> StartAsync()
    {
        var handler = new FrameEcho(Prefixed);
        var loop = new LoopHarness();
        var server = new TcpServer(loop.Reactor, new IPEndPoint(IPAddress.Loopback, 0), () => handler);
        var client = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveTimeout = (int)LoopHarness.Timeout.TotalMilliseconds };
        await client.ConnectAsync(server.LocalEndPoint).WaitAsync(LoopHarness.Timeout);
        return (loop, server, client, await handler.Connected.Task.WaitAsync(LoopHarness.Timeout), handler);
    }

    private static byte[] ReceiveExactly(Socket client, int count)
    {
        var buffer = new byte[count];
        for (int got = 0; got < count;)
        {
            int n = client.Receive(buffer, got, count - got, SocketFlags.None);
            n.Should().BePositive();
            got += n;
        }
        return buffer;
    }

    [Fact]
    public async Task Over_the_transport_a_stream_split_at_every_byte_position_echoes_whole_frames()
    {
        var (loop, server, client, connection, _) = await StartAsync();
        using (loop)
        using (server)
        using (client)
        {
            byte[] stream = LengthPrefixed(0, 3, 9);
            long sent = 0;
            for (int split = 0; split <= stream.Length; split++)
            {
                foreach (byte[] part in new[] { stream[..split], stream[split..] })
                {
                    if (part.Length == 0)
                    {
                        continue;
                    }
                    client.Send(part);
                    sent += part.Length;
                    long target = sent;
                    // The server has read this part before the next one is sent: a real split.
                    SpinWait.SpinUntil(() => loop.Invoke(() => connection.BytesReceived) == target, LoopHarness.Timeout).Should().BeTrue();
                }
                ReceiveExactly(client, stream.Length).Should().Equal(stream, $"split at byte {split}");
            }
            loop.Invoke(() => connection.OwnsInputBuffer).Should().BeFalse("no partial frame is left");
        }
    }

    [Fact]
    public async Task Many_frames_in_one_read_are_all_decoded_and_answered_in_one_write()
    {
        var (loop, server, client, connection, handler) = await StartAsync();
        using (loop)
        using (server)
        using (client)
        {
            byte[] stream = LengthPrefixed(Enumerable.Range(0, 64).Select(i => i % 7).ToArray());
            long writesBefore = loop.Invoke(() => connection.WriteCalls);
            client.Send(stream);
            ReceiveExactly(client, stream.Length).Should().Equal(stream);
            loop.Invoke(() => handler.FrameCount).Should().Be(64);
            long writes = loop.Invoke(() => connection.WriteCalls) - writesBefore;
            writes.Should().BeLessThanOrEqualTo(2, "the replies to one read leave together (the stream may arrive in two reads)");
        }
    }

    [Fact]
    public async Task A_frame_past_the_maximum_closes_the_connection_with_FrameTooLarge()
    {
        var (loop, server, client, _, handler) = await StartAsync();
        using (loop)
        using (server)
        using (client)
        {
            client.Send([0, 0, 0x10, 0]); // 4096 announced, 1000 allowed
            (await handler.Closed.Task.WaitAsync(LoopHarness.Timeout)).Should().Be(CloseReason.FrameTooLarge);
        }
    }
}
