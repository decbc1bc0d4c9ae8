namespace ReactorNet.Samples.Resp.Protocol;

/// <summary>What one call of <see cref="RespParser.Parse"/> found.</summary>
public enum RespParseStatus
{
    /// <summary>The input ends inside a request: call again with the same bytes plus more.</summary>
    Incomplete,

    /// <summary>One request was read; its arguments are valid until the next call.</summary>
    Complete,

    /// <summary>The input breaks the protocol; <see cref="RespParser.Error"/> is Redis's reply text.</summary>
    Error,
}

/// <summary>
/// Reads RESP2 requests as Redis's <c>processMultibulkBuffer</c> and <c>processInlineBuffer</c> do:
/// <c>*N\r\n$len\r\nbytes\r\n...</c>, or an inline line split like <c>sdssplitargs</c> (quotes,
/// <c>\xHH</c> escapes). Same limits, same error words.
/// </summary>
/// <remarks>
/// Allocation-free in steady state: a multibulk request's arguments are ranges into the caller's
/// input (inline arguments, which may contain escapes, are decoded into a reusable scratch buffer).
/// <para>
/// Incremental: when a request is incomplete the parser remembers how far it got, so a large
/// request arriving in many reads costs linear, not quadratic, time. The contract that makes this
/// safe: after <see cref="RespParseStatus.Incomplete"/>, the next call must pass input that starts
/// with the same bytes (the unconsumed request, grown). One parser per connection.
/// </para>
/// </remarks>
public sealed class RespParser
{
    /// <summary>Redis's PROTO_INLINE_MAX_SIZE: an inline line, or a header line, longer than this without its end is refused.</summary>
    public const int MaxInlineLength = 64 * 1024;

    /// <summary>Redis's default proto-max-bulk-len (512 MiB).</summary>
    public const long MaxBulkLength = 512L * 1024 * 1024;

    /// <summary>Redis's limit on the argument count of one multibulk request.</summary>
    public const int MaxMultibulkCount = 1024 * 1024;

    /// <summary>Arguments kept between requests; a larger array (one huge request) is dropped afterwards.</summary>
    private const int RetainedArguments = 1024;

    private Range[] _arguments = new Range[16];
    private int _count;
    private byte[] _inlineScratch = [];
    private bool _isInline;

    // Resume state of an incomplete request (offsets from the request's first byte).
    private int _position;
    private int _expected = -1;
    private long _bulkLength = -1;
    private bool _hasResult;

    /// <summary>Arguments of the last complete request (0 for an empty request, which Redis skips).</summary>
    public int ArgumentCount => _count;

    /// <summary>After <see cref="RespParseStatus.Error"/>: the reply Redis gives, without the leading '-'.</summary>
    public string? Error { get; private set; }

    /// <summary>Parses the request at the start of <paramref name="input"/>.</summary>
    /// <param name="consumed">Bytes the complete request used; 0 unless the status is <see cref="RespParseStatus.Complete"/>.</param>
    public RespParseStatus Parse(ReadOnlySpan<byte> input, out int consumed)
    {
        if (_hasResult)
        {
            ClearResult();
        }
        consumed = 0;
        if (input.IsEmpty)
        {
            return RespParseStatus.Incomplete;
        }
        return input[0] == (byte)'*' ? ParseMultibulk(input, out consumed) : ParseInline(input, out consumed);
    }

    /// <summary>Argument <paramref name="index"/> of the last complete request; <paramref name="input"/> is the span that was parsed.</summary>
    public ReadOnlySpan<byte> Argument(ReadOnlySpan<byte> input, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _count);
        Range range = _arguments[index];
        return _isInline ? _inlineScratch.AsSpan()[range] : input[range];
    }

    /// <summary>Forgets any partial request (the connection's input was discarded).</summary>
    public void Reset()
    {
        ClearResult();
        _position = 0;
        _expected = -1;
        _bulkLength = -1;
        Error = null;
    }

    private RespParseStatus ParseMultibulk(ReadOnlySpan<byte> input, out int consumed)
    {
        consumed = 0;
        int position = _position;
        if (_expected < 0)
        {
            int cr = input.IndexOf((byte)'\r');
            if (cr < 0)
            {
                return input.Length > MaxInlineLength ? Fail(ProtocolErrors.TooBigMultibulkCount) : RespParseStatus.Incomplete;
            }
            if (cr > input.Length - 2)
            {
                return RespParseStatus.Incomplete; // the '\n' is not here yet
            }
            if (!RespInteger.TryParse(input[1..cr], out long count) || count > MaxMultibulkCount)
            {
                return Fail(ProtocolErrors.InvalidMultibulkLength);
            }
            position = cr + 2;
            if (count <= 0)
            {
                return Complete(position, out consumed); // "*0" and "*-1": an empty request, skipped
            }
            _expected = (int)count;
        }

        while (_count < _expected)
        {
            if (_bulkLength < 0)
            {
                int cr = input[position..].IndexOf((byte)'\r');
                if (cr < 0)
                {
                    if (input.Length - position > MaxInlineLength)
                    {
                        return Fail(ProtocolErrors.TooBigBulkCount);
                    }
                    break;
                }
                cr += position;
                if (cr > input.Length - 2)
                {
                    break;
                }
                if (input[position] != (byte)'$')
                {
                    return Fail(ProtocolErrors.ExpectedDollar(input[position]));
                }
                if (!RespInteger.TryParse(input[(position + 1)..cr], out long length) || length < 0 || length > MaxBulkLength)
                {
                    return Fail(ProtocolErrors.InvalidBulkLength);
                }
                position = cr + 2;
                _bulkLength = length;
            }

            // The bulk and its "\r\n" (not checked, as Redis does not check it).
            if (input.Length - position < _bulkLength + 2)
            {
                break;
            }
            int bulk = (int)_bulkLength;
            AddArgument(new Range(position, position + bulk));
            position += bulk + 2;
            _bulkLength = -1;
        }

        if (_count < _expected)
        {
            _position = position;
            return RespParseStatus.Incomplete;
        }
        return Complete(position, out consumed);
    }

    private RespParseStatus ParseInline(ReadOnlySpan<byte> input, out int consumed)
    {
        consumed = 0;
        int newline = input[_position..].IndexOf((byte)'\n');
        if (newline < 0)
        {
            if (input.Length > MaxInlineLength)
            {
                return Fail(ProtocolErrors.TooBigInlineRequest);
            }
            _position = input.Length; // nothing before here can hold the newline: do not scan it again
            return RespParseStatus.Incomplete;
        }
        newline += _position;

        ReadOnlySpan<byte> line = input[..newline];
        if (!line.IsEmpty && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }
        _isInline = true;
        if (!SplitArguments(line))
        {
            _count = 0;
            return Fail(ProtocolErrors.UnbalancedQuotes);
        }
        return Complete(newline + 1, out consumed);
    }

    /// <summary>Redis's <c>sdssplitargs</c>; the line is a C string there, so a NUL byte ends it.</summary>
    private bool SplitArguments(ReadOnlySpan<byte> line)
    {
        int nul = line.IndexOf((byte)0);
        if (nul >= 0)
        {
            line = line[..nul];
        }
        if (_inlineScratch.Length < line.Length)
        {
            _inlineScratch = new byte[Math.Max(line.Length, 256)];
        }
        Span<byte> scratch = _inlineScratch;
        int written = 0;
        int p = 0;
        while (true)
        {
            while (p < line.Length && IsSpace(line[p]))
            {
                p++;
            }
            if (p >= line.Length)
            {
                return true;
            }

            int start = written;
            bool inDoubleQuotes = false;
            bool inSingleQuotes = false;
            bool done = false;
            while (!done)
            {
                int c = p < line.Length ? line[p] : 0;
                int next = p + 1 < line.Length ? line[p + 1] : 0;
                if (inDoubleQuotes)
                {
                    if (c == '\\' && next == 'x' && p + 3 < line.Length && IsHex(line[p + 2]) && IsHex(line[p + 3]))
                    {
                        scratch[written++] = (byte)((HexValue(line[p + 2]) << 4) | HexValue(line[p + 3]));
                        p += 3;
                    }
                    else if (c == '\\' && next != 0)
                    {
                        p++;
                        scratch[written++] = next switch
                        {
                            'n' => (byte)'\n',
                            'r' => (byte)'\r',
                            't' => (byte)'\t',
                            'b' => (byte)'\b',
                            'a' => (byte)'\a',
                            _ => (byte)next,
                        };
                    }
                    else if (c == '"')
                    {
                        // A closing quote must be followed by a space or the end.
                        if (next != 0 && !IsSpace((byte)next))
                        {
                            return false;
                        }
                        done = true;
                    }
                    else if (c == 0)
                    {
                        return false; // no closing quote
                    }
                    else
                    {
                        scratch[written++] = (byte)c;
                    }
                }
                else if (inSingleQuotes)
                {
                    if (c == '\\' && next == '\'')
                    {
                        p++;
                        scratch[written++] = (byte)'\'';
                    }
                    else if (c == '\'')
                    {
                        if (next != 0 && !IsSpace((byte)next))
                        {
                            return false;
                        }
                        done = true;
                    }
                    else if (c == 0)
                    {
                        return false;
                    }
                    else
                    {
                        scratch[written++] = (byte)c;
                    }
                }
                else
                {
                    switch (c)
                    {
                        case ' ' or '\n' or '\r' or '\t' or 0:
                            done = true;
                            break;
                        case '"':
                            inDoubleQuotes = true;
                            break;
                        case '\'':
                            inSingleQuotes = true;
                            break;
                        default:
                            scratch[written++] = (byte)c;
                            break;
                    }
                }
                if (p < line.Length)
                {
                    p++;
                }
            }
            AddArgument(new Range(start, written));
        }
    }

    // C's isspace in the "C" locale.
    private static bool IsSpace(byte c) => c is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\v' or (byte)'\f' or (byte)'\r';

    private static bool IsHex(byte c) => char.IsAsciiHexDigit((char)c);

    private static int HexValue(byte c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    private void AddArgument(Range range)
    {
        if (_count == _arguments.Length)
        {
            Array.Resize(ref _arguments, _arguments.Length * 2);
        }
        _arguments[_count++] = range;
    }

    private RespParseStatus Complete(int length, out int consumed)
    {
        consumed = length;
        _position = 0;
        _expected = -1;
        _bulkLength = -1;
        _hasResult = true;
        return RespParseStatus.Complete;
    }

    private RespParseStatus Fail(string error)
    {
        Reset();
        Error = error;
        return RespParseStatus.Error;
    }

    private void ClearResult()
    {
        _count = 0;
        _isInline = false;
        _hasResult = false;
        if (_arguments.Length > RetainedArguments)
        {
            _arguments = new Range[16];
        }
        if (_inlineScratch.Length > MaxInlineLength)
        {
            _inlineScratch = [];
        }
    }
}
