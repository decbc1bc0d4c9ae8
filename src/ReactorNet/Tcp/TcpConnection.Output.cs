using System.Buffers;

namespace ReactorNet.Tcp;

/// <summary>
/// Serializing straight into the connection's output: an <see cref="IBufferWriter{T}"/> over the
/// same pooled segments <see cref="TrySend(ReadOnlySpan{byte})"/> fills, so <c>Utf8Formatter</c>,
/// <c>Utf8JsonWriter</c> or a hand-written encoder need no scratch buffer and no extra copy.
/// </summary>
public sealed partial class TcpConnection
{
    /// <summary>
    /// The connection's output as an <see cref="IBufferWriter{T}"/>: <c>GetSpan</c>/<c>GetMemory</c>
    /// hand out room in the output itself, <c>Advance</c> counts the bytes (against
    /// <see cref="TcpConnectionOptions.MaxPendingOutputBytes"/> and the water marks, like
    /// <see cref="TrySend(ReadOnlySpan{byte})"/>) and adds them to the batch. Loop thread only.
    /// </summary>
    /// <remarks>
    /// Follow the <see cref="IBufferWriter{T}"/> contract: nothing else writes to the connection
    /// between <c>GetSpan</c> and its <c>Advance</c>. Bytes advanced once the connection refuses
    /// sends (closing, closed, or past the output limit, which then resets it) are dropped, as a
    /// <see cref="TrySend(ReadOnlySpan{byte})"/> returning false would drop them; check
    /// <see cref="IsWritable"/> before producing much. A hint above 16 KiB, or one that does not
    /// fit the current segment, is served from pooled scratch memory copied in on <c>Advance</c>.
    /// </remarks>
    /// <exception cref="InvalidOperationException">Not on the loop thread.</exception>
    public IBufferWriter<byte> Output
    {
        get
        {
            Reactor.ThrowIfNotLoopThread();
            Extras extras = Extra;
            return extras.Writer ??= new OutputWriter(this);
        }
    }

    /// <summary>The writer; one per connection, made on first use.</summary>
    private sealed class OutputWriter(TcpConnection connection) : IBufferWriter<byte>
    {
        private byte[]? _scratch;   // pooled memory for a hint the output cannot serve in place
        private int _handedOut = -1; // length of the memory last handed out; -1: none

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            connection.Reactor.ThrowIfNotLoopThread();
            ArgumentOutOfRangeException.ThrowIfNegative(sizeHint);
            ReturnScratch();
            connection.TakeInboxBeforeOwnBytes(); // cross-thread sends that happened before this callback's first bytes go first
            Memory<byte> tail = connection._output.GetTail(sizeHint);
            if (tail.IsEmpty)
            {
                _scratch = ArrayPool<byte>.Shared.Rent(Math.Max(sizeHint, 256));
                tail = _scratch;
            }
            _handedOut = tail.Length;
            return tail;
        }

        public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

        public void Advance(int count)
        {
            connection.Reactor.ThrowIfNotLoopThread();
            if (_handedOut < 0)
            {
                throw new InvalidOperationException("Advance without GetSpan or GetMemory before it.");
            }
            ArgumentOutOfRangeException.ThrowIfNegative(count);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _handedOut);
            if (count > 0)
            {
                connection.AdvanceOutput(count, _scratch);
            }
            ReturnScratch();
        }

        private void ReturnScratch()
        {
            _handedOut = -1;
            if (_scratch is not null)
            {
                ArrayPool<byte>.Shared.Return(_scratch);
                _scratch = null;
            }
        }
    }

    /// <summary>Counts and takes bytes a writer put in place (or into <paramref name="scratch"/>); loop thread.</summary>
    private void AdvanceOutput(int count, byte[]? scratch)
    {
        if (!ReserveForSend(count))
        {
            return; // dropped, as a refused TrySend drops its bytes
        }
        if (scratch is null)
        {
            _output.Commit(count);
        }
        else
        {
            _output.Append(scratch.AsSpan(0, count));
        }
        Gathered();
    }
}
