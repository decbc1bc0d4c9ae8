namespace ReactorNet.Samples.Http.Protocol;

/// <summary>What <see cref="HttpBodyDecoder.Decode"/> found.</summary>
public enum HttpBodyStatus
{
    /// <summary>Every input byte was used; the body goes on: call again with more.</summary>
    NeedMore,

    /// <summary>A piece of body data (offset and length in the input); call again with the rest of the input.</summary>
    Data,

    /// <summary>The body (and the trailer section of a chunked body) is complete.</summary>
    Complete,

    /// <summary>The body is malformed or too large: answer <see cref="HttpBodyDecoder.ErrorStatus"/> and close.</summary>
    Failed,
}

/// <summary>
/// Decodes a request body delimited by <c>Content-Length</c> or by the chunked transfer coding
/// (RFC 9112 §7.1), incrementally: each call takes whatever bytes arrived and keeps its position in
/// a few fields, so the bytes of a chunked body never need to be buffered to be parsed. Chunk
/// sizes, chunk extensions (their full grammar) and trailer lines are validated; chunk lines and the
/// trailer section are bounded; the decoded length is checked against the body limit before a
/// chunk's data is accepted (413).
/// </summary>
public sealed class HttpBodyDecoder
{
    private enum State
    {
        Idle,
        Length,
        SizeStart,
        Size,
        SizeWhitespace,
        ExtensionBeforeName,
        ExtensionName,
        ExtensionAfterName,
        ExtensionBeforeValue,
        ExtensionToken,
        ExtensionQuoted,
        ExtensionEscape,
        ExtensionAfterQuoted,
        SizeLf,
        ChunkData,
        ChunkDataCr,
        ChunkDataLf,
        TrailerLineStart,
        TrailerName,
        TrailerValue,
        TrailerLineLf,
        TrailerEndLf,
        Done,
        Failed,
    }

    private State _state;
    private long _remaining;
    private long _maxBody;
    private int _lineLength;
    private int _maxLine;
    private int _trailerLength;
    private int _maxTrailer;

    /// <summary>Decoded body bytes so far.</summary>
    public long Received { get; private set; }

    /// <summary>After <see cref="HttpBodyStatus.Failed"/>: 400, 413 or 431.</summary>
    public int ErrorStatus { get; private set; }

    /// <summary>After <see cref="HttpBodyStatus.Failed"/>: why.</summary>
    public string? ErrorDetail { get; private set; }

    /// <summary>Whether the body is completely decoded.</summary>
    public bool IsComplete => _state == State.Done;

    /// <summary>Starts decoding the body <paramref name="head"/> announces.</summary>
    public void Start(HttpRequestHead head, HttpLimits limits)
    {
        ArgumentNullException.ThrowIfNull(head);
        ArgumentNullException.ThrowIfNull(limits);
        Received = 0;
        ErrorStatus = 0;
        ErrorDetail = null;
        _maxBody = limits.MaxBodyLength;
        _maxLine = limits.MaxChunkExtensionLength + 32; // the size's digits (leading zeros included) and BWS
        _maxTrailer = limits.MaxTrailerSectionLength;
        _lineLength = 0;
        _trailerLength = 0;
        switch (head.BodyFraming)
        {
            case HttpBodyFraming.ContentLength:
                _remaining = head.ContentLength;
                _state = _remaining > 0 ? State.Length : State.Done;
                break;
            case HttpBodyFraming.Chunked:
                _state = State.SizeStart;
                break;
            default:
                _state = State.Done;
                break;
        }
    }

    /// <summary>
    /// Decodes from <paramref name="input"/>. <paramref name="consumed"/> bytes were used (on
    /// <see cref="HttpBodyStatus.Data"/> through the end of the data piece); on
    /// <see cref="HttpBodyStatus.Complete"/> what follows is the next request.
    /// </summary>
    public HttpBodyStatus Decode(ReadOnlySpan<byte> input, out int consumed, out int dataOffset, out int dataLength)
    {
        dataOffset = 0;
        dataLength = 0;
        int i = 0;
        while (true)
        {
            if (_state == State.Done)
            {
                consumed = i;
                return HttpBodyStatus.Complete;
            }
            if (_state == State.Failed)
            {
                consumed = i;
                return HttpBodyStatus.Failed;
            }
            if (i >= input.Length)
            {
                consumed = i;
                return HttpBodyStatus.NeedMore;
            }
            if (_state is State.Length or State.ChunkData)
            {
                int take = (int)Math.Min(_remaining, input.Length - i);
                dataOffset = i;
                dataLength = take;
                _remaining -= take;
                Received += take;
                if (_remaining == 0)
                {
                    _state = _state == State.Length ? State.Done : State.ChunkDataCr;
                }
                consumed = i + take;
                return HttpBodyStatus.Data;
            }
            if (!Step(input[i]))
            {
                consumed = i;
                return HttpBodyStatus.Failed;
            }
            i++;
        }
    }

    /// <summary>One byte of a chunk-size line, a chunk's CRLF or the trailer section.</summary>
    private bool Step(byte b)
    {
        if (_state <= State.SizeLf && ++_lineLength > _maxLine)
        {
            return Fail(400, "chunk line too long");
        }
        if (_state >= State.TrailerLineStart && ++_trailerLength > _maxTrailer)
        {
            return Fail(431, "trailer section too large");
        }
        bool whitespace = b == ' ' || b == '\t';
        switch (_state)
        {
            case State.SizeStart:
            case State.Size:
                int digit = HttpChars.HexValue(b);
                if (digit >= 0)
                {
                    long room = _maxBody - Received;
                    if (_remaining > room / 16 || (_remaining * 16) + digit > room)
                    {
                        return Fail(413, "request body too large");
                    }
                    _remaining = (_remaining * 16) + digit;
                    _state = State.Size;
                    return true;
                }
                if (_state == State.SizeStart)
                {
                    return Fail(400, "invalid chunk size");
                }
                return b switch
                {
                    (byte)';' => Go(State.ExtensionBeforeName),
                    (byte)'\r' => Go(State.SizeLf),
                    _ when whitespace => Go(State.SizeWhitespace),
                    _ => Fail(400, "invalid chunk size"),
                };
            case State.SizeWhitespace:
                return whitespace || (b == ';' ? Go(State.ExtensionBeforeName) : Fail(400, "invalid chunk extension"));
            case State.ExtensionBeforeName:
                return whitespace || (HttpChars.IsToken(b) ? Go(State.ExtensionName) : Fail(400, "invalid chunk extension"));
            case State.ExtensionName:
                return HttpChars.IsToken(b) || b switch
                {
                    (byte)'=' => Go(State.ExtensionBeforeValue),
                    (byte)';' => Go(State.ExtensionBeforeName),
                    (byte)'\r' => Go(State.SizeLf),
                    _ when whitespace => Go(State.ExtensionAfterName),
                    _ => Fail(400, "invalid chunk extension"),
                };
            case State.ExtensionAfterName:
                return whitespace || b switch
                {
                    (byte)'=' => Go(State.ExtensionBeforeValue),
                    (byte)';' => Go(State.ExtensionBeforeName),
                    _ => Fail(400, "invalid chunk extension"),
                };
            case State.ExtensionBeforeValue:
                return whitespace || (b == '"' ? Go(State.ExtensionQuoted) : HttpChars.IsToken(b) ? Go(State.ExtensionToken) : Fail(400, "invalid chunk extension"));
            case State.ExtensionToken:
            case State.ExtensionAfterQuoted:
                return (_state == State.ExtensionToken && HttpChars.IsToken(b)) || b switch
                {
                    (byte)';' => Go(State.ExtensionBeforeName),
                    (byte)'\r' => Go(State.SizeLf),
                    _ when whitespace => Go(State.SizeWhitespace),
                    _ => Fail(400, "invalid chunk extension"),
                };
            case State.ExtensionQuoted:
                // qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
                return b switch
                {
                    (byte)'"' => Go(State.ExtensionAfterQuoted),
                    (byte)'\\' => Go(State.ExtensionEscape),
                    _ when HttpChars.IsFieldValue(b) => true,
                    _ => Fail(400, "invalid chunk extension"),
                };
            case State.ExtensionEscape:
                return HttpChars.IsFieldValue(b) ? Go(State.ExtensionQuoted) : Fail(400, "invalid chunk extension");
            case State.SizeLf:
                if (b != '\n')
                {
                    return Fail(400, "bare CR in a chunk line");
                }
                _lineLength = 0;
                return Go(_remaining == 0 ? State.TrailerLineStart : State.ChunkData);
            case State.ChunkDataCr:
                return b == '\r' ? Go(State.ChunkDataLf) : Fail(400, "chunk data not followed by CRLF");
            case State.ChunkDataLf:
                return b == '\n' ? Go(State.SizeStart) : Fail(400, "chunk data not followed by CRLF");
            case State.TrailerLineStart:
                return b switch
                {
                    (byte)'\r' => Go(State.TrailerEndLf),
                    _ when whitespace => Fail(400, "obsolete line folding in the trailer section"),
                    _ when HttpChars.IsToken(b) => Go(State.TrailerName),
                    _ => Fail(400, "invalid trailer line"),
                };
            case State.TrailerName:
                return HttpChars.IsToken(b) || (b == ':' ? Go(State.TrailerValue) : Fail(400, "invalid trailer name"));
            case State.TrailerValue:
                return HttpChars.IsFieldValue(b) || (b == '\r' ? Go(State.TrailerLineLf) : Fail(400, "invalid character in a trailer value"));
            case State.TrailerLineLf:
                return b == '\n' ? Go(State.TrailerLineStart) : Fail(400, "bare CR in the trailer section");
            case State.TrailerEndLf:
                return b == '\n' ? Go(State.Done) : Fail(400, "bare CR in the trailer section");
            default:
                return Fail(400, "no body expected");
        }
    }

    private bool Go(State state)
    {
        _state = state;
        return true;
    }

    private bool Fail(int status, string detail)
    {
        ErrorStatus = status;
        ErrorDetail = detail;
        _state = State.Failed;
        return false;
    }
}
