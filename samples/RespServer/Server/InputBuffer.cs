using System.Buffers;

namespace ReactorNet.Samples.Resp.Server;

/// <summary>
/// A connection's unconsumed input (a request split across reads). Pooled and returned as soon as
/// it is empty, so an idle connection holds no buffer; bounded by the caller's limit.
/// </summary>
internal sealed class InputBuffer
{
    private byte[]? _buffer;
    private int _start;
    private int _end;

    public bool IsEmpty => _end == _start;

    public int Length => _end - _start;

    public ReadOnlySpan<byte> Span => _buffer is null ? default : _buffer.AsSpan(_start, _end - _start);

    /// <returns><see langword="false"/> when the content would pass <paramref name="limit"/> bytes (nothing is appended).</returns>
    public bool TryAppend(ReadOnlySpan<byte> data, int limit)
    {
        if ((long)Length + data.Length > limit)
        {
            return false;
        }
        if (_buffer is null || _buffer.Length - _end < data.Length)
        {
            int needed = Length + data.Length;
            if (_buffer is not null && _buffer.Length >= needed)
            {
                Compact();
            }
            else
            {
                byte[] bigger = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(Math.Max(needed, (long)Length * 2), 4096, Array.MaxLength));
                Span.CopyTo(bigger);
                _end = Length;
                _start = 0;
                Return();
                _buffer = bigger;
            }
        }
        data.CopyTo(_buffer.AsSpan(_end));
        _end += data.Length;
        return true;
    }

    /// <summary>Drops <paramref name="count"/> bytes from the front; an empty buffer goes back to the pool.</summary>
    public void Consume(int count)
    {
        _start += count;
        if (_start >= _end)
        {
            Release();
        }
    }

    public void Release()
    {
        Return();
        _start = _end = 0;
    }

    private void Compact()
    {
        Span.CopyTo(_buffer);
        _end -= _start;
        _start = 0;
    }

    private void Return()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
    }
}
