using System.Buffers;

namespace ReactorNet.Samples.Http.Transport;

/// <summary>
/// The bytes of a connection that arrived but were not consumed yet (an unfinished request head).
/// Pooled, and empty (holding no buffer) between requests. Bounded: the session consumes a body as
/// it arrives and fails a head longer than the header-section limit, so at most that limit plus one
/// read is ever kept; anything more is a bug and fails the connection.
/// </summary>
internal sealed class InputAccumulator(int maxKept)
{
    private byte[]? _buffer;
    private int _length;

    public bool IsEmpty => _length == 0;

    /// <summary>Appends <paramref name="data"/>; returns everything kept.</summary>
    public ReadOnlySpan<byte> Append(ReadOnlySpan<byte> data)
    {
        if (_length > maxKept)
        {
            throw new InvalidOperationException($"{_length} unconsumed input bytes: more than the {maxKept} the request head limit allows.");
        }
        int needed = _length + data.Length;
        if (_buffer is null || _buffer.Length < needed)
        {
            byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, 4096));
            if (_buffer is not null)
            {
                _buffer.AsSpan(0, _length).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_buffer);
            }
            _buffer = bigger;
        }
        data.CopyTo(_buffer.AsSpan(_length));
        _length = needed;
        return _buffer.AsSpan(0, _length);
    }

    /// <summary>Drops the first <paramref name="count"/> bytes.</summary>
    public void Consume(int count)
    {
        if (count >= _length)
        {
            Release();
            return;
        }
        _buffer.AsSpan(count, _length - count).CopyTo(_buffer);
        _length -= count;
    }

    public void Release()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
        _length = 0;
    }
}
