using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using ReactorNet.Tcp;
using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Tcp;

/// <summary>
/// <see cref="IConnectionHandler.OnData"/> returns the bytes it consumed; the transport keeps the
/// rest and presents it again, contiguous with the next bytes (issue #13).
/// </summary>
public sealed class ConsumedInputTests
{
    /// <summary>Takes whole 4-byte big-endian length-prefixed frames only; records their payloads.</summary>
    private sealed class WholeFrames : IConnectionHandler
    {
        public List<byte[]> Frames { get; } = [];

        public List<int> Presented { get; } = [];

        public SemaphoreSlim Calls { get; } = new(0);

        public TaskCompletionSource<CloseReason> Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<TcpConnection> Connected { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Take at most this many frames per call (then pause reading when <see cref="PauseAfterEach"/>).</summary>
        public int MaxFramesPerCall { get; init; } = int.MaxValue;

        public bool PauseAfterEach { get; init; }

        public void OnConnected(TcpConnection connection) => Connected.TrySetResult(connection);

        public int OnData(TcpConnection connection, ReadOnlySpan<byte> data)
        {
            Presented.Add(data.Length);
            int consumed = 0;
            int frames = 0;
            while (frames < MaxFramesPerCall && data.Length - consumed >= 4)
            {
                int length = BinaryPrimitives.ReadInt32BigEndian(data[consumed..]);
                if (data.Length - consumed - 4 < length)
                {
                    break;
                }
                Frames.Add(data.Slice(consumed + 4, length).ToArray());
                consumed += 4 + length;
                frames++;
            }
            if (PauseAfterEach && frames > 0)
            {
                connection.PauseReading();
                connection.Reactor.Post(connection.ResumeReading); // later, from posted work: not inside OnData
            }
            Calls.Release();
            return consumed;
        }

        public void OnClosed(TcpConnection connection, CloseReason reason, Exception? error) => Closed.TrySetResult(reason);
    }

    private static byte[] Frame(int length, byte fill)
    {
        var frame = new byte[4 + length];
        BinaryPrimitives.WriteInt32BigEndian(frame, length);
        frame.AsSpan(4).Fill(fill);
        return frame;
    }

    private static async Task<(LoopHarness Loop, TcpServer Server, Socket Client, TcpConnection Connection)> StartAsync(IConnectionHandler handler, Task<TcpConnection> connected, TcpConnectionOptions? options = null)
    {
        var loop = new LoopHarness();
        var server = new TcpServer(loop.Reactor, new IPEndPoint(IPAddress.Loopback, 0), () => handler, new TcpServerOptions { Connection = options ?? TcpConnectionOptions.Default });
        var client = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await client.ConnectAsync(server.LocalEndPoint).WaitAsync(LoopHarness.Timeout);
        TcpConnection connection = await connected.WaitAsync(LoopHarness.Timeout);
        return (loop, server, client, connection);
    }

    [Fact]
    public async Task Unconsumed_bytes_come_back_followed_by_the_next_bytes()
    {
        var handler = new WholeFrames();
        var (loop, server, client, connection) = await StartAsync(handler, handler.Connected.Task);
        using (loop)
        using (server)
        using (client)
        {
            byte[] frame = Frame(10, 7);
            client.Send(frame.AsSpan(0, 6)); // the header and two payload bytes
            (await handler.Calls.WaitAsync(LoopHarness.Timeout)).Should().BeTrue();
            loop.Invoke(() => connection.BufferedInputBytes).Should().Be(6, "the partial frame is kept");
            client.Send(frame.AsSpan(6));
            (await handler.Calls.WaitAsync(LoopHarness.Timeout)).Should().BeTrue();
            loop.Invoke(() => handler.Presented.ToArray()).Should().Equal(6, 14);
            loop.Invoke(() => handler.Frames.Single()).Should().Equal(frame.AsSpan(4).ToArray());
            loop.Invoke(() => connection.BufferedInputBytes).Should().Be(0);
            loop.Invoke(() => connection.OwnsInputBuffer).Should().BeFalse("a drained connection gives its input memory back");
        }
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    public async Task A_consumed_count_outside_0_to_length_is_a_handler_fault(int offset)
    {
        var handler = new ScriptedHandler();
        var faulty = new DelegatingHandler(handler, data => offset < 0 ? -1 : data.Length + offset);
        var (loop, server, client, _) = await StartAsync(faulty, handler.ConnectedTask.Task);
        using (loop)
        using (server)
        using (client)
        {
            client.Send("abc"u8);
            (await handler.ClosedTask.Task.WaitAsync(LoopHarness.Timeout)).Should().Be(CloseReason.HandlerFault);
        }
    }

    [Fact]
    public async Task Input_past_MaxInputBufferBytes_closes_only_that_connection()
    {
        var handlers = new List<WholeFrames>();
        using var loop = new LoopHarness();
        using var server = new TcpServer(loop.Reactor, new IPEndPoint(IPAddress.Loopback, 0), () => { var h = new WholeFrames(); lock (handlers) { handlers.Add(h); } return h; },
            new TcpServerOptions { Connection = new TcpConnectionOptions { MaxInputBufferBytes = 4096 } });
        using var greedy = new Socket(SocketType.Stream, ProtocolType.Tcp);
        using var modest = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await greedy.ConnectAsync(server.LocalEndPoint).WaitAsync(LoopHarness.Timeout);
        await modest.ConnectAsync(server.LocalEndPoint).WaitAsync(LoopHarness.Timeout);
        SpinWait.SpinUntil(() => { lock (handlers) { return handlers.Count == 2; } }, LoopHarness.Timeout).Should().BeTrue();
        WholeFrames greedyHandler = handlers[0], modestHandler = handlers[1];
        await greedyHandler.Connected.Task.WaitAsync(LoopHarness.Timeout);

        modest.Send(Frame(3000, 1).AsSpan(0, 3000)); // a partial frame under the cap
        (await modestHandler.Calls.WaitAsync(LoopHarness.Timeout)).Should().BeTrue();
        byte[] huge = Frame(100_000, 2); // never whole within 4 KiB
        greedy.Send(huge.AsSpan(0, 20_000));
        (await greedyHandler.Closed.Task.WaitAsync(LoopHarness.Timeout)).Should().Be(CloseReason.InputLimitExceeded);

        modest.Send(Frame(3000, 1).AsSpan(3000));
        SpinWait.SpinUntil(() => loop.Invoke(() => modestHandler.Frames.Count) == 1, LoopHarness.Timeout).Should().BeTrue("the other connection is untouched");
        modestHandler.Closed.Task.IsCompleted.Should().BeFalse();
    }

    [Fact]
    public void MaxInputBufferBytes_must_be_positive()
    {
        FluentActions.Invoking(() => new TcpConnectionOptions { MaxInputBufferBytes = 0 }).Should().Throw<ArgumentOutOfRangeException>();
        new TcpConnectionOptions().MaxInputBufferBytes.Should().Be(1 << 20);
    }

    /// <summary>
    /// A handler that pauses after one frame with more whole frames left unconsumed: they arrived
    /// in one read, so no new byte comes to present them; ResumeReading must present them itself.
    /// </summary>
    [Fact]
    public async Task Frames_left_when_reading_paused_are_presented_after_ResumeReading()
    {
        var handler = new WholeFrames { MaxFramesPerCall = 1, PauseAfterEach = true };
        var (loop, server, client, _) = await StartAsync(handler, handler.Connected.Task);
        using (loop)
        using (server)
        using (client)
        {
            client.Send([.. Frame(5, 1), .. Frame(6, 2), .. Frame(7, 3)]);
            SpinWait.SpinUntil(() => loop.Invoke(() => handler.Frames.Count) == 3, LoopHarness.Timeout).Should().BeTrue("all three frames were presented without new bytes");
            loop.Invoke(() => handler.Frames.Select(f => f.Length).ToArray()).Should().Equal(5, 6, 7);
        }
    }

    /// <summary>Forwards to a <see cref="ScriptedHandler"/> but returns what <c>consumed</c> says.</summary>
    private sealed class DelegatingHandler(ScriptedHandler inner, Func<byte[], int> consumed) : IConnectionHandler
    {
        public void OnConnected(TcpConnection connection) => inner.OnConnected(connection);

        public int OnData(TcpConnection connection, ReadOnlySpan<byte> data)
        {
            inner.OnData(connection, data);
            return consumed(data.ToArray());
        }

        public void OnClosed(TcpConnection connection, CloseReason reason, Exception? error) => inner.OnClosed(connection, reason, error);
    }
}
