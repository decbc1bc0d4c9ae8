namespace ReactorNet.Samples.Resp.Protocol;

/// <summary>
/// Redis's <c>string2ll</c>: the only integer syntax the protocol and the commands accept. Strict on
/// purpose, so that "+1", " 1", "01" and "-0" are refused exactly as Redis refuses them.
/// </summary>
public static class RespInteger
{
    /// <summary>Longest accepted text: "-9223372036854775808" is 20 bytes (Redis's LONG_STR_SIZE is 21 with the NUL).</summary>
    public const int MaxLength = 20;

    public static bool TryParse(ReadOnlySpan<byte> text, out long value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > MaxLength)
        {
            return false;
        }
        if (text.Length == 1 && text[0] == (byte)'0')
        {
            return true;
        }

        bool negative = text[0] == (byte)'-';
        int i = negative ? 1 : 0;
        // First digit 1-9: no leading zeros, no "-0", no empty "-".
        if (i >= text.Length || text[i] < (byte)'1' || text[i] > (byte)'9')
        {
            return false;
        }

        // Accumulate as a negative number: its range includes long.MinValue.
        long result = 0;
        for (; i < text.Length; i++)
        {
            uint digit = (uint)(text[i] - (byte)'0');
            if (digit > 9)
            {
                return false;
            }
            if (result < (long.MinValue + digit) / 10)
            {
                return false;
            }
            result = (result * 10) - digit;
        }

        if (!negative)
        {
            if (result == long.MinValue)
            {
                return false;
            }
            result = -result;
        }
        value = result;
        return true;
    }
}
