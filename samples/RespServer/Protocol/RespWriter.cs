using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace ReactorNet.Samples.Resp.Protocol;

/// <summary>
/// Writes RESP2 replies straight into an <see cref="IBufferWriter{T}"/>: numbers are formatted in
/// place (<see cref="Utf8Formatter"/>), payloads copied once, no intermediate strings.
/// </summary>
public sealed class RespWriter
{
    private static ReadOnlySpan<byte> Crlf => "\r\n"u8;

    private IBufferWriter<byte>? _output;

    public RespWriter()
    {
    }

    public RespWriter(IBufferWriter<byte> output) => Reset(output);

    /// <summary>Directs the replies to <paramref name="output"/>.</summary>
    public void Reset(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
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
        Span<byte> span = Output.GetSpan(length);
        span[0] = (byte)'-';
        for (int i = 0; i < message.Length; i++)
        {
            char c = message[i];
            span[i + 1] = c is '\r' or '\n' ? (byte)' ' : c <= '\u00ff' ? (byte)c : (byte)'?';
        }
        span[length - 2] = (byte)'\r';
        span[length - 1] = (byte)'\n';
        Advance(length);
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
    /// Copied in pieces that fit the output's free space, never through a buffer of the whole
    /// length: a 512 MiB value goes straight into the connection's output segments.
    /// </remarks>
    public void Raw(ReadOnlySpan<byte> bytes) => Output.Write(bytes);

    private IBufferWriter<byte> Output => _output ?? throw new InvalidOperationException("RespWriter has no output: call Reset first.");

    private void Header(byte type, long value)
    {
        // type + up to 20 digits + CRLF.
        Span<byte> span = Output.GetSpan(1 + RespInteger.MaxLength + 2);
        span[0] = type;
        Utf8Formatter.TryFormat(value, span[1..], out int digits);
        span[1 + digits] = (byte)'\r';
        span[2 + digits] = (byte)'\n';
        Advance(digits + 3);
    }

    private void Advance(int count) => _output!.Advance(count);
}
