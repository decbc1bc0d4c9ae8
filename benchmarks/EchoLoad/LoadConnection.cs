using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace ReactorNet.Benchmarks.EchoLoad;

/// <summary>
/// One client connection, driven by its loop's readiness events: keeps <c>depth</c> messages of
/// <c>size</c> bytes in flight, checks every echoed byte against the connection's pattern stream
/// and times each message from the moment it is queued to the moment its last byte is back.
/// Readable is always armed (level-triggered); Writable only while a send is incomplete. The
/// steady state allocates nothing: span-based Send/Receive, shared scratch buffers, a fixed ring
/// of send times.
/// </summary>
internal sealed class LoadConnection(LoadWorker worker, int id) : IEventHandler
{
    private enum State { Idle, Connecting, Open, Closed }

    private const int SolSocket = 1; // SOL_SOCKET
    private const int SoError = 4;   // SO_ERROR

    private readonly LoadWorker _worker = worker;
    private readonly LoadRunState _run = worker.Run;
    private readonly long[] _queuedAt = new long[worker.Run.Depth];
    private PatternStream _send = new((ulong)id);
    private PatternStream _expect = new((ulong)id);
    private Socket? _socket;
    private Registration _registration;
    private State _state;
    private long _unsent;          // bytes of queued messages the kernel has not taken yet
    private int _receivedOfOldest; // bytes of the oldest outstanding message already back
    private int _inFlight;
    private int _oldestSlot;       // _queuedAt index of the oldest outstanding message
    private int _nextSlot;         // _queuedAt index for the next message
    private bool _writeArmed;

    /// <summary>Creates the socket and starts a non-blocking connect. Loop thread.</summary>
    public void Connect()
    {
        try
        {
            _socket = new Socket(_run.EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { Blocking = false, NoDelay = true };
        }
        catch (SocketException ex)
        {
            ConnectFailed($"socket(): {ex.SocketErrorCode}");
            return;
        }
        try
        {
            _socket.Connect(_run.EndPoint);
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
        {
            // The usual case: the handshake completes later and the socket turns writable.
            _registration = _worker.Reactor.Register((int)_socket.Handle, Interest.Writable, this);
            _state = State.Connecting;
            return;
        }
        catch (SocketException ex)
        {
            ConnectFailed($"connect: {ex.SocketErrorCode}");
            return;
        }
        _registration = _worker.Reactor.Register((int)_socket.Handle, Interest.Readable, this);
        Opened();
    }

    public void OnEvent(Registration registration, Readiness readiness)
    {
        if (_state == State.Connecting)
        {
            CompleteConnect();
            return;
        }
        // Read first: data that arrived with a hang-up must still be checked.
        if ((readiness & (Readiness.Readable | Readiness.Error | Readiness.HangUp | Readiness.ReadHangUp)) != 0 && !Receive())
        {
            return;
        }
        if ((readiness & Readiness.Writable) != 0 && _state == State.Open)
        {
            Flush();
        }
    }

    /// <summary>Fails the connection if its handshake has not completed. Loop thread.</summary>
    public void AbortIfConnecting()
    {
        if (_state == State.Connecting)
        {
            ConnectFailed("connect timed out");
        }
    }

    /// <summary>Closes the socket once the loop has stopped (no unregistering: the reactor is gone).</summary>
    public void DisposeSocket()
    {
        _socket?.Dispose();
        _state = State.Closed;
    }

    private void CompleteConnect()
    {
        Span<byte> error = stackalloc byte[sizeof(int)];
        _socket!.GetRawSocketOption(SolSocket, SoError, error);
        int errno = BitConverter.ToInt32(error);
        if (errno != 0)
        {
            ConnectFailed($"connect: {Marshal.GetPInvokeErrorMessage(errno)}"); // strerror: "Connection refused"
            return;
        }
        _registration.Modify(Interest.Readable);
        Opened();
    }

    private void Opened()
    {
        _state = State.Open;
        _worker.Counters.Connected++;
        _worker.Counters.Open++;
        if (_run.Running)
        {
            Queue(_run.Depth, Stopwatch.GetTimestamp());
            Flush();
        }
    }

    /// <summary>Reads what is there, checks it, completes messages and queues their successors.</summary>
    private bool Receive()
    {
        Span<byte> buffer = _worker.ReceiveBuffer;
        int n = _socket!.Receive(buffer, SocketFlags.None, out SocketError error);
        if (error == SocketError.WouldBlock)
        {
            return true;
        }
        if (error != SocketError.Success)
        {
            Fail($"receive: {error}");
            return false;
        }
        if (n == 0)
        {
            Fail("the server closed the connection");
            return false;
        }
        int bad = _expect.Verify(buffer[..n], out int first);
        if (bad != 0)
        {
            _worker.Counters.Mismatches += bad;
            Fail("echoed bytes differ from what was sent", $"connection {id}: {bad} of {n} bytes in one read, the first at offset {first}");
            return false;
        }
        _worker.Counters.BytesReceived += n;
        long now = Stopwatch.GetTimestamp();
        int completed = Complete(n, now);
        if (completed > 0 && _run.Running)
        {
            Queue(completed, now);
            Flush();
        }
        return true;
    }

    private int Complete(int received, long now)
    {
        int size = _run.Size;
        bool measuring = _run.Measuring;
        int completed = 0;
        _receivedOfOldest += received;
        while (_receivedOfOldest >= size && _inFlight > 0)
        {
            _receivedOfOldest -= size;
            if (measuring)
            {
                _worker.Histogram.Record(TicksToNanoseconds(now - _queuedAt[_oldestSlot]));
            }
            _oldestSlot = _oldestSlot + 1 == _queuedAt.Length ? 0 : _oldestSlot + 1;
            _inFlight--;
            completed++;
        }
        _worker.Counters.RoundTrips += completed;
        return completed;
    }

    private void Queue(int messages, long now)
    {
        for (int i = 0; i < messages; i++)
        {
            _queuedAt[_nextSlot] = now;
            _nextSlot = _nextSlot + 1 == _queuedAt.Length ? 0 : _nextSlot + 1;
        }
        _inFlight += messages;
        _unsent += (long)messages * _run.Size;
    }

    /// <summary>Hands queued bytes to the kernel until done or the socket buffer is full.</summary>
    private void Flush()
    {
        while (_unsent > 0)
        {
            Span<byte> chunk = _worker.SendBuffer.AsSpan(0, (int)Math.Min(_unsent, _worker.SendBuffer.Length));
            // Generate from a copy of the stream and commit only what the kernel accepted.
            PatternStream ahead = _send;
            ahead.Fill(chunk);
            int sent = _socket!.Send(chunk, SocketFlags.None, out SocketError error);
            if (error == SocketError.WouldBlock)
            {
                ArmWrite(true);
                return;
            }
            if (error != SocketError.Success)
            {
                Fail($"send: {error}");
                return;
            }
            if (sent == chunk.Length)
            {
                _send = ahead;
            }
            else
            {
                _send.Skip(sent);
            }
            _unsent -= sent;
            if (sent < chunk.Length)
            {
                ArmWrite(true);
                return;
            }
        }
        ArmWrite(false);
    }

    private void ArmWrite(bool arm)
    {
        if (_writeArmed != arm)
        {
            _writeArmed = arm;
            _registration.Modify(arm ? Interest.Readable | Interest.Writable : Interest.Readable);
        }
    }

    private void ConnectFailed(string kind)
    {
        _worker.Counters.ConnectFailed++;
        _worker.Counters.Errors++;
        _run.ReportError(kind, $"connection {id}");
        Close();
    }

    private void Fail(string kind, string? detail = null)
    {
        if (_run.Running)
        {
            _worker.Counters.Errors++;
            _run.ReportError(kind, detail ?? $"connection {id}");
        }
        Close();
    }

    private void Close()
    {
        if (_state == State.Open)
        {
            _worker.Counters.Open--;
        }
        _state = State.Closed;
        if (_registration.IsActive)
        {
            _registration.Unregister();
        }
        _socket?.Dispose();
    }

    private static readonly double s_nanosecondsPerTick = 1e9 / Stopwatch.Frequency;

    private static long TicksToNanoseconds(long ticks) => (long)(ticks * s_nanosecondsPerTick);
}
