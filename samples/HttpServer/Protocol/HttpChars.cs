using System.Buffers;

namespace ReactorNet.Samples.Http.Protocol;

/// <summary>The character classes of RFC 9110 / RFC 9112 the parser checks against, vectorised.</summary>
internal static class HttpChars
{
    /// <summary><c>tchar</c> (RFC 9110 §5.6.2): what methods, header names and transfer-coding names are made of.</summary>
    public static readonly SearchValues<byte> Token =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    /// <summary>
    /// <c>field-vchar</c>, SP and HTAB (RFC 9110 §5.5): everything a field value may hold. Excluded are
    /// NUL, CR, LF and the other controls: a bare CR or LF inside a value is how header injection and
    /// request smuggling through disagreeing parsers start, so it is rejected, never repaired.
    /// </summary>
    public static readonly SearchValues<byte> FieldValue = SearchValues.Create(FieldValueBytes());

    /// <summary>A request target's characters: VCHAR only (no space, no control, no obs-text; RFC 3986).</summary>
    public static readonly SearchValues<byte> Target = SearchValues.Create(Range(0x21, 0x7E));

    /// <summary>What a request line may contain before its CR: VCHAR and SP.</summary>
    public static readonly SearchValues<byte> RequestLine = SearchValues.Create(Range(0x20, 0x7E));

    /// <summary>Hex digits of a chunk size.</summary>
    public static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };

    public static bool IsToken(byte b) => Token.Contains(b);

    public static bool IsFieldValue(byte b) => FieldValue.Contains(b);

    private static byte[] FieldValueBytes()
    {
        var bytes = new List<byte> { (byte)'\t' };
        bytes.AddRange(Range(0x20, 0x7E));
        bytes.AddRange(Range(0x80, 0xFF));
        return [.. bytes];
    }

    private static byte[] Range(int first, int last)
    {
        byte[] bytes = new byte[last - first + 1];
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(first + i);
        }
        return bytes;
    }
}
