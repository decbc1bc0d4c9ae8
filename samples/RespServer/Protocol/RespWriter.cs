using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace ReactorNet.Samples.Resp.Protocol;

/// <summary>
/// Writes RESP2 replies straight into an <see cref="IBufferWriter{T}"/>: numbers are formatted in
/// place (<see cref="Utf8Formatter"/>), payloads copied once, no intermediate strings.
/// </summary>
/// <remarks>
/// The replies of a request are gathered in the room the output handed out and given to it with one
/// <see cref="IBufferWriter{T}.Advance"/> on <see cref="Flush"/>, not one GetSpan/Advance pair per
/// fragment (a bulk reply has three): each pair is a call into the transport, which checks its
/// thread and counts the bytes against the client's limits. Until <see cref="Flush"/> the output
/// has not seen those bytes, so the caller flushes after every request, before it asks whether the
/// client still takes replies. A payload larger than <see cref="LargePayload"/> is flushed and
/// copied straight into the output, in pieces that fit its free space.
/// </remarks>
public sealed class RespWriter
{
    /// <summary>Payloads above this many bytes skip the gathered room (see the remarks).</summary>
    public const int LargePayload = 1024;

    private static ReadOnlySpan<byte> Crlf => "\r\n"u8;

    private IBufferWriter<byte>? _output;
    private Memory<byte> _room;  // handed out by the output, not advanced yet
    private int _written;        // bytes of _room holding replies

    public RespWriter()
    {
    }

    public RespWriter(IBufferWriter<byte> output) => Reset(output);

    /// <summary>Directs the replies to <paramref name="output"/>; replies not flushed to the previous output are dropped.</summary>
    public void Reset(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        _room = default;
        _written = 0;
    }

    /// <summary>Gives the replies written since the last call to the output (one <see cref="IBufferWriter{T}.Advance"/>).</summary>
    public void Flush()
    {
        if (_written > 0)
        {
            _output!.Advance(_written);
        }
        _room = default;
        _written = 0;
    }

    /// <summary><c>+OK</c></summary>
    public void Ok() => Raw("+OK\r\n"u8);

    /// <summary><c>+text</c>; the text must not contain CR or LF.</summary>
    public void SimpleString(ReadOnlySpan<byte> text)
    {
        Raw("+"u8);
        Raw(text);
        Raw(Crlf);
    }

    /// <summary>
    /// <c>-message</c>; <paramref name="message"/> starts with its code (<c>ERR ...</c>, <c>WRONGTYPE ...</c>).
    /// As Redis does, CR and LF become spaces so that a client's bytes echoed in an error cannot break the framing.
    /// Characters are written as Latin-1 bytes: a message built from the client's bytes returns them unchanged.
    /// </summary>
    public void Error(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        int length = message.Length + 3;
        Span<byte> span = Room(length);
        span[0] = (byte)'-';
        for (int i = 0; i < message.Length; i++)
        {
            char c = message[i];
            span[i + 1] = c is '\r' or '\n' ? (byte)' ' : c <= '\u00ff' ? (byte)c : (byte)'?';
        }
        span[length - 2] = (byte)'\r';
        span[length - 1] = (byte)'\n';
        _written += length;
    }

    /// <summary><c>:value</c></summary>
    public void Integer(long value) => Header((byte)':', value);

    /// <summary><c>$length\r\nbytes\r\n</c></summary>
    public void Bulk(ReadOnlySpan<byte> value)
    {
        Header((byte)'$', value.Length);
        Raw(value);
        Raw(Crlf);
    }

    /// <summary>A bulk reply of ASCII/UTF-8 text.</summary>
    public void Bulk(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        int length = Encoding.UTF8.GetByteCount(value);
        Header((byte)'$', length);
        Flush();
        Encoding.UTF8.GetBytes(value, Output);
        Raw(Crlf);
    }

    /// <summary>A bulk reply holding the decimal text of <paramref name="value"/> (what GET returns after INCR).</summary>
    public void BulkInteger(long value)
    {
        Span<byte> digits = stackalloc byte[RespInteger.MaxLength];
        Utf8Formatter.TryFormat(value, digits, out int length);
        Bulk(digits[..length]);
    }

    /// <summary>The null bulk string <c>$-1</c> (a missing key).</summary>
    public void Null() => Raw("$-1\r\n"u8);

    /// <summary>The null array <c>*-1</c>.</summary>
    public void NullArray() => Raw("*-1\r\n"u8);

    /// <summary><c>*count</c>; the caller writes the elements next.</summary>
    public void ArrayHeader(int count) => Header((byte)'*', count);

    /// <summary>Bytes that are already a complete RESP reply.</summary>
    /// <remarks>
    /// A large payload is copied in pieces that fit the output's free space, never through a buffer
    /// of the whole length: a 512 MiB value goes straight into the connection's output segments.
    /// </remarks>
    public void Raw(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > LargePayload)
        {
            Flush();
            Output.Write(bytes);
            return;
        }
        bytes.CopyTo(Room(bytes.Length));
        _written += bytes.Length;
    }

    private IBufferWriter<byte> Output => _output ?? throw new InvalidOperationException("RespWriter has no output: call Reset first.");

    /// <summary>Free room of at least <paramref name="length"/> bytes after the gathered replies.</summary>
    private Span<byte> Room(int length)
    {
        if (_room.Length - _written < length)
        {
            // Asks for exactly what is needed: the output then hands out the rest of its current
            // segment when that is enough, rather than scratch memory it would copy on Advance.
            Flush();
            _room = Output.GetMemory(length);
        }
        return _room.Span[_written..];
    }

    private void Header(byte type, long value)
    {
        // type + up to 20 digits + CRLF.
        Span<byte> span = Room(1 + RespInteger.MaxLength + 2);
        span[0] = type;
        Utf8Formatter.TryFormat(value, span[1..], out int digits);
        span[1 + digits] = (byte)'\r';
        span[2 + digits] = (byte)'\n';
        _written += digits + 3;
    }
}
