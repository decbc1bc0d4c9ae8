using System.Buffers;

namespace ReactorNet.Samples.Common;

/// <summary>
/// The replies of one read batch, gathered so that they leave with one <c>Send</c> (pipelined
/// replies written together). One per loop thread, reused for every connection on it; an array
/// that grew past <c>retainedSize</c> for an unusually large batch goes back to the pool at
/// <see cref="Clear"/> instead of staying with the loop.
/// </summary>
public sealed class BatchBuffer : IBufferWriter<byte>
{
    private const int InitialSize = 16 * 1024;

    private readonly int _retainedSize;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(InitialSize);
    private int _written;

    /// <param name="retainedSize">The largest array kept between batches.</param>
    public BatchBuffer(int retainedSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retainedSize, InitialSize);
        _retainedSize = retainedSize;
    }

    public int WrittenCount => _written;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _buffer.Length - _written);
        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <summary>Empties the batch after it was sent.</summary>
    public void Clear()
    {
        _written = 0;
        if (_buffer.Length > _retainedSize)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(InitialSize);
        }
    }

    private void Ensure(int sizeHint)
    {
        int needed = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written >= needed)
        {
            return;
        }
        // long arithmetic: doubling a buffer near 1 GiB must not overflow into a negative size.
        long size = Math.Max((long)_buffer.Length * 2, (long)_written + needed);
        byte[] bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(size, Array.MaxLength));
        WrittenSpan.CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }
}
