using System.Buffers;

namespace ReactorNet.Samples.Common;

/// <summary>
/// The protocol state of one connection: feed it what was received, it writes what to send.
/// Not thread-safe; a connection's reads are processed in order by one thread at a time.
/// </summary>
/// <remarks>
/// <para>Line mode buffers only the unfinished line at the end of a read, and only when there is
/// one: complete lines are answered straight from the received span, so the common case copies
/// nothing and allocates nothing.</para>
/// <para>Overlong lines: at most <see cref="EchoProtocol.MaxLineLength"/> bytes of an unfinished
/// line are held. When a line grows past that, the session answers what it has (greeting + the
/// buffered bytes) and then passes the rest of that line through as it arrives, until its
/// <c>\n</c>. The bytes on the wire are exactly those of a fully buffered answer — greeting once,
/// then the whole line — so clients see no difference; only memory stays bounded. Closing the
/// connection instead would punish a client for a long line in a sample whose point is echoing.</para>
/// <para>At end of input, <see cref="Complete(IBufferWriter{byte})"/> answers an unfinished last line
/// (without adding a <c>\n</c>), so <c>printf abc</c> still gets its greeting.</para>
/// </remarks>
public sealed class EchoSession : IDisposable
{
    private const int InitialLineCapacity = 1024;

    private readonly EchoProtocol _protocol;
    private byte[]? _line;
    private int _lineLength;
    private bool _passingThrough;
    private bool _disposed;

    internal EchoSession(EchoProtocol protocol) => _protocol = protocol;

    /// <summary>Bytes of an unfinished line held until its <c>\n</c> arrives.</summary>
    public int BufferedLength => _lineLength;

    public void OnReceived(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var sink = new BufferWriterSink(output);
        OnReceived(data, ref sink);
    }

    /// <summary>Processes one read; replies go to <paramref name="sink"/> before this returns.</summary>
    public void OnReceived<TSink>(ReadOnlySpan<byte> data, ref TSink sink)
        where TSink : IReplySink, allows ref struct
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_protocol.IsLineMode)
        {
            if (!data.IsEmpty)
            {
                sink.Write(data);
            }
            return;
        }

        while (!data.IsEmpty)
        {
            int newline = data.IndexOf((byte)'\n');
            if (newline < 0)
            {
                HoldUnfinished(data, ref sink);
                return;
            }

            ReadOnlySpan<byte> lineEnd = data[..(newline + 1)];
            if (!_passingThrough)
            {
                sink.Write(_protocol.GreetingSpan);
                if (_lineLength > 0)
                {
                    sink.Write(_line.AsSpan(0, _lineLength));
                    _lineLength = 0;
                }
            }
            sink.Write(lineEnd);
            _passingThrough = false;
            data = data[(newline + 1)..];
        }
    }

    /// <summary>End of input: answers an unfinished last line, if any.</summary>
    public void Complete(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var sink = new BufferWriterSink(output);
        Complete(ref sink);
    }

    public void Complete<TSink>(ref TSink sink)
        where TSink : IReplySink, allows ref struct
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_lineLength > 0)
        {
            sink.Write(_protocol.GreetingSpan);
            sink.Write(_line.AsSpan(0, _lineLength));
            _lineLength = 0;
        }
        _passingThrough = false;
    }

    public void Dispose()
    {
        if (_line is not null)
        {
            ArrayPool<byte>.Shared.Return(_line);
            _line = null;
        }
        _lineLength = 0;
        _disposed = true;
    }

    private void HoldUnfinished<TSink>(ReadOnlySpan<byte> data, ref TSink sink)
        where TSink : IReplySink, allows ref struct
    {
        if (_passingThrough)
        {
            sink.Write(data);
            return;
        }

        int needed = _lineLength + data.Length;
        if (needed > _protocol.MaxLineLength)
        {
            // Too long to hold: start the answer now and pass the rest of the line through.
            sink.Write(_protocol.GreetingSpan);
            if (_lineLength > 0)
            {
                sink.Write(_line.AsSpan(0, _lineLength));
                _lineLength = 0;
            }
            sink.Write(data);
            _passingThrough = true;
            return;
        }

        EnsureCapacity(needed);
        data.CopyTo(_line.AsSpan(_lineLength));
        _lineLength = needed;
    }

    private void EnsureCapacity(int needed)
    {
        if (_line is not null && _line.Length >= needed)
        {
            return;
        }
        int capacity = Math.Min(Math.Max(needed, Math.Max(InitialLineCapacity, (_line?.Length ?? 0) * 2)), _protocol.MaxLineLength);
        byte[] bigger = ArrayPool<byte>.Shared.Rent(capacity);
        if (_line is not null)
        {
            _line.AsSpan(0, _lineLength).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_line);
        }
        _line = bigger;
    }
}
