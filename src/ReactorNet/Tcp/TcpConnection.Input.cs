using System.Buffers;

namespace ReactorNet.Tcp;

/// <summary>
/// Input the handler did not consume. <see cref="IConnectionHandler.OnData"/> returns how many of
/// the presented bytes it took; the rest (a partial frame) waits here and is presented again,
/// followed by the next bytes read. Bytes go straight from the loop's shared read buffer to the
/// handler when nothing waits (the common case: no copy), and a connection holds pooled memory
/// only while a partial frame waits, so idle connections own no input buffer.
/// </summary>
public sealed partial class TcpConnection
{
    private byte[]? _input;          // rented from the shared pool on the loop thread; null while nothing waits
    private int _inputLength;        // unconsumed bytes at the start of _input
    private bool _redeliveryPosted;  // a posted PresentBufferedInput is on its way
    private bool _presenting;        // OnData runs: a close inside it must not return the span it reads to the pool

    /// <summary>Unconsumed input waiting for more bytes (for tests).</summary>
    internal int BufferedInputBytes => _inputLength;

    /// <summary>Whether the connection holds input memory (for tests: false whenever nothing waits).</summary>
    internal bool OwnsInputBuffer => _input is not null;

    /// <summary>Presents freshly read bytes, after any the handler left unconsumed; loop thread.</summary>
    private unsafe void Present(byte* fresh, int count)
    {
        if (_inputLength == 0)
        {
            Present(new ReadOnlySpan<byte>(fresh, count), buffered: false);
            return;
        }
        EnsureInputCapacity(_inputLength + count);
        new ReadOnlySpan<byte>(fresh, count).CopyTo(_input.AsSpan(_inputLength));
        _inputLength += count;
        Present(_input.AsSpan(0, _inputLength), buffered: true);
    }

    /// <summary>Calls the handler and keeps what it left; <paramref name="buffered"/>: <paramref name="data"/> is <see cref="_input"/>.</summary>
    private void Present(ReadOnlySpan<byte> data, bool buffered)
    {
        int consumed;
        _presenting = true;
        try
        {
            consumed = _handler.OnData(this, data);
            if ((uint)consumed > (uint)data.Length)
            {
                throw new InvalidOperationException($"OnData returned {consumed}, outside 0..{data.Length} (the bytes it was given).");
            }
        }
        catch (Exception ex)
        {
            _presenting = false;
            Log.HandlerFaulted(Reactor.Logger, Id, ex);
            CloseNow(CloseReason.HandlerFault, ex, reset: true);
            ReleaseInput(); // a close inside OnData left it (see below)
            return;
        }
        _presenting = false;
        if (_closed)
        {
            // Closed inside OnData: the close left the input alone because data may be that very
            // buffer, still read by the handler until it returned. Only now may the pool have it back.
            ReleaseInput();
            return;
        }
        int rest = data.Length - consumed;
        if (rest == 0)
        {
            ReleaseInput();
            return;
        }
        if (rest > _options.MaxInputBufferBytes)
        {
            Log.InputLimitExceeded(Reactor.Logger, Id, rest, _options.MaxInputBufferBytes);
            CloseNow(CloseReason.InputLimitExceeded, null, reset: true);
            return;
        }
        if (buffered)
        {
            if (consumed > 0)
            {
                _input.AsSpan(consumed, rest).CopyTo(_input); // overlapping: CopyTo handles it like memmove
            }
        }
        else
        {
            EnsureInputCapacity(rest);
            data[consumed..].CopyTo(_input);
        }
        _inputLength = rest;
    }

    /// <summary>A framer found a frame past its maximum: reset, with its own close reason and a rate-limited warning; loop thread.</summary>
    internal void CloseForFrameTooLarge(int buffered)
    {
        Reactor.ThrowIfNotLoopThread();
        Log.FrameTooLarge(Reactor.Logger, Id, buffered);
        CloseNow(CloseReason.FrameTooLarge, null, reset: true);
    }

    /// <summary>
    /// Reading resumed (<see cref="ResumeReading"/>, or backpressure released): bytes left
    /// unconsumed while reading was paused may hold whole frames that no new byte will come to
    /// present, so they are presented again, from posted work (never inside the caller's callback).
    /// Also after the peer's FIN: the frames it sent before it are whole and still owed an answer.
    /// </summary>
    private void ScheduleBufferedInput()
    {
        if (_inputLength == 0 || _redeliveryPosted || _closed)
        {
            return;
        }
        _redeliveryPosted = true;
        Reactor.Post(static c => c.Contained(static x => x.PresentBufferedInput()), this);
    }

    private void PresentBufferedInput()
    {
        _redeliveryPosted = false;
        if (_closed || _inputLength == 0 || ReadingPaused)
        {
            return;
        }
        Present(_input.AsSpan(0, _inputLength), buffered: true);
    }

    private void EnsureInputCapacity(int needed)
    {
        if (_input is not null && _input.Length >= needed)
        {
            return;
        }
        byte[] grown = ArrayPool<byte>.Shared.Rent(Math.Max(needed, Math.Max(4096, (_input?.Length ?? 0) * 2)));
        if (_input is not null)
        {
            _input.AsSpan(0, _inputLength).CopyTo(grown);
            ArrayPool<byte>.Shared.Return(_input);
        }
        _input = grown;
    }

    /// <summary>Gives the input memory back (drained, or the connection closed).</summary>
    private void ReleaseInput()
    {
        _inputLength = 0;
        if (_input is not null)
        {
            ArrayPool<byte>.Shared.Return(_input);
            _input = null;
        }
    }
}
