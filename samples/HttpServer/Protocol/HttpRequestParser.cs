using System.Text;

namespace ReactorNet.Samples.Http.Protocol;

/// <summary>
/// A strict RFC 9112 request-head parser over a span: no allocation, no copy, no state kept between
/// calls (the caller calls again with more bytes). Anything RFC 9112 lets a server reject is
/// rejected, because a lenient parser in front of or behind another one is how requests are
/// smuggled: bare CR or LF, NUL and other controls, whitespace before a colon, obs-fold,
/// conflicting or malformed <c>Content-Length</c>, <c>Transfer-Encoding</c> next to
/// <c>Content-Length</c> or without <c>chunked</c> last, a missing or repeated <c>Host</c>.
/// </summary>
public static class HttpRequestParser
{
    /// <summary>The head is not complete yet (and no limit is passed): call again with more bytes.</summary>
    public const int NeedMore = 0;

    /// <summary>The head is invalid: <see cref="HttpRequestHead.ErrorStatus"/> says how to answer. Close after answering.</summary>
    public const int Failed = -1;

    /// <summary>At most this many empty lines before a request line are skipped (RFC 9112 §2.2 asks for at least one).</summary>
    private const int MaxLeadingEmptyLines = 4;

    /// <summary>
    /// Parses the request head at the start of <paramref name="input"/>.
    /// </summary>
    /// <returns>
    /// The number of bytes the head used (through the empty line that ends it; the body, if any,
    /// follows), <see cref="NeedMore"/>, or <see cref="Failed"/>.
    /// </returns>
    public static int Parse(ReadOnlySpan<byte> input, HttpRequestHead head, HttpLimits limits)
    {
        ArgumentNullException.ThrowIfNull(head);
        ArgumentNullException.ThrowIfNull(limits);
        head.Reset();

        int pos = 0;
        for (int empty = 0; pos < input.Length && (input[pos] == '\r' || input[pos] == '\n'); empty++)
        {
            if (input[pos] == '\n')
            {
                return Fail(head, 400, "bare LF");
            }
            if (pos + 1 >= input.Length)
            {
                return NeedMore;
            }
            if (input[pos + 1] != '\n')
            {
                return Fail(head, 400, "bare CR");
            }
            if (empty == MaxLeadingEmptyLines)
            {
                return Fail(head, 400, "too many empty lines before the request line");
            }
            pos += 2;
        }

        int lineEnd = ParseRequestLine(input, pos, head, limits);
        if (lineEnd <= 0)
        {
            return lineEnd;
        }
        int headersEnd = ParseHeaderLines(input, lineEnd, head, limits);
        if (headersEnd <= 0)
        {
            return headersEnd;
        }
        return Interpret(input, head, limits) ? headersEnd : Failed;
    }

    /// <returns>Where the header lines start, <see cref="NeedMore"/> or <see cref="Failed"/>.</returns>
    private static int ParseRequestLine(ReadOnlySpan<byte> input, int start, HttpRequestHead head, HttpLimits limits)
    {
        ReadOnlySpan<byte> rest = input[start..];
        int maxLine = limits.MaxRequestLineLength;
        ReadOnlySpan<byte> window = rest[..Math.Min(rest.Length, maxLine + 2)];
        int lf = window.IndexOf((byte)'\n');
        if (lf < 0)
        {
            // Reject garbage (a TLS handshake, a binary protocol) as soon as it is seen, not after a timeout.
            if (window.Length > 0 && !HttpChars.IsToken(window[0]))
            {
                return Fail(head, 400, "a request line starts with a method");
            }
            int invalid = window.IndexOfAnyExcept(HttpChars.RequestLine);
            if (invalid >= 0 && !(invalid == window.Length - 1 && window[invalid] == '\r'))
            {
                return Fail(head, 400, "invalid character in the request line");
            }
            if (rest.Length >= maxLine + 2)
            {
                return window.IndexOf((byte)' ') > 0 ? Fail(head, 414, "request target too long") : Fail(head, 400, "method too long");
            }
            return NeedMore;
        }
        if (lf == 0 || window[lf - 1] != '\r')
        {
            return Fail(head, 400, "bare LF");
        }

        ReadOnlySpan<byte> line = window[..(lf - 1)];
        if (line.IndexOfAnyExcept(HttpChars.RequestLine) >= 0)
        {
            return Fail(head, 400, "invalid character in the request line");
        }
        int sp1 = line.IndexOf((byte)' ');
        if (sp1 <= 0 || line[..sp1].IndexOfAnyExcept(HttpChars.Token) >= 0)
        {
            return Fail(head, 400, "invalid method");
        }
        ReadOnlySpan<byte> afterMethod = line[(sp1 + 1)..];
        int sp2 = afterMethod.IndexOf((byte)' ');
        if (sp2 <= 0)
        {
            return Fail(head, 400, "malformed request line");
        }
        ReadOnlySpan<byte> version = afterMethod[(sp2 + 1)..];
        if (version.Length != 8 || !version.StartsWith("HTTP/"u8) || !char.IsAsciiDigit((char)version[5]) || version[6] != '.' || !char.IsAsciiDigit((char)version[7]))
        {
            return Fail(head, 400, "malformed HTTP version");
        }
        if (version[5] != '1' || (version[7] != '0' && version[7] != '1'))
        {
            return Fail(head, 505, "only HTTP/1.0 and HTTP/1.1 are supported");
        }
        head.Version = version[7] == '1' ? HttpVersion.Http11 : HttpVersion.Http10;

        int methodStart = start;
        int targetStart = start + sp1 + 1;
        ReadOnlySpan<byte> method = line[..sp1];
        ReadOnlySpan<byte> target = afterMethod[..sp2];
        head.Method = new Range(methodStart, methodStart + sp1);
        head.Target = new Range(targetStart, targetStart + sp2);
        if (!ParseTarget(method, target, targetStart, head))
        {
            return Failed;
        }
        return start + lf + 1;
    }

    /// <summary>RFC 9112 §3.2: origin-form, absolute-form (served as its path), asterisk-form for OPTIONS.</summary>
    private static bool ParseTarget(ReadOnlySpan<byte> method, ReadOnlySpan<byte> target, int targetStart, HttpRequestHead head)
    {
        if (target.IndexOf((byte)'#') >= 0)
        {
            return Reject(head, 400, "a request target has no fragment");
        }
        if (target[0] == '/')
        {
            int query = target.IndexOf((byte)'?');
            head.Path = new Range(targetStart, targetStart + (query < 0 ? target.Length : query));
            return true;
        }
        if (target.SequenceEqual("*"u8))
        {
            if (!method.SequenceEqual("OPTIONS"u8))
            {
                return Reject(head, 400, "asterisk-form is for OPTIONS only");
            }
            head.Path = head.Target;
            return true;
        }
        int schemeLength = StartsWithIgnoreCase(target, "http://"u8) ? 7 : StartsWithIgnoreCase(target, "https://"u8) ? 8 : 0;
        if (schemeLength == 0)
        {
            return Reject(head, 400, "invalid request target");
        }
        ReadOnlySpan<byte> afterScheme = target[schemeLength..];
        int authorityEnd = afterScheme.IndexOfAny((byte)'/', (byte)'?');
        if (authorityEnd == 0 || afterScheme.Length == 0)
        {
            return Reject(head, 400, "absolute-form without authority");
        }
        int pathStart = authorityEnd < 0 || afterScheme[authorityEnd] == '?' ? -1 : schemeLength + authorityEnd;
        if (pathStart < 0)
        {
            head.Path = new Range(targetStart, targetStart); // empty: the path is "/"
            return true;
        }
        int pathQuery = target[pathStart..].IndexOf((byte)'?');
        head.Path = new Range(targetStart + pathStart, targetStart + pathStart + (pathQuery < 0 ? target.Length - pathStart : pathQuery));
        return true;
    }

    /// <returns>The end of the head (after its empty line), <see cref="NeedMore"/> or <see cref="Failed"/>.</returns>
    private static int ParseHeaderLines(ReadOnlySpan<byte> input, int pos, HttpRequestHead head, HttpLimits limits)
    {
        int sectionStart = pos;
        int maxEnd = limits.MaxHeaderSectionLength;
        int maxCount = Math.Min(limits.MaxHeaderCount, head.Capacity);
        while (true)
        {
            if (pos >= input.Length)
            {
                return input.Length >= maxEnd ? Fail(head, 431, "request head too large") : NeedMore;
            }
            byte first = input[pos];
            if (first == '\r')
            {
                if (pos + 1 >= input.Length)
                {
                    return input.Length >= maxEnd ? Fail(head, 431, "request head too large") : NeedMore;
                }
                if (input[pos + 1] != '\n')
                {
                    return Fail(head, 400, "bare CR");
                }
                if (pos + 2 > maxEnd)
                {
                    return Fail(head, 431, "request head too large");
                }
                head.HeaderSection = new Range(sectionStart, pos);
                return pos + 2;
            }
            if (first == '\n')
            {
                return Fail(head, 400, "bare LF");
            }
            if (first == ' ' || first == '\t')
            {
                // RFC 9112 §5.2: obs-fold (and whitespace after the request line, §2.2) may be rejected; it is.
                return Fail(head, 400, "obsolete line folding");
            }

            ReadOnlySpan<byte> rest = input[pos..Math.Max(pos, Math.Min(input.Length, maxEnd))];
            int lf = rest.IndexOf((byte)'\n');
            if (lf < 0)
            {
                if (!PartialFieldLineIsValid(rest, head))
                {
                    return Failed;
                }
                return input.Length >= maxEnd ? Fail(head, 431, "request head too large") : NeedMore;
            }
            if (lf == 0 || rest[lf - 1] != '\r')
            {
                return Fail(head, 400, "bare LF");
            }

            ReadOnlySpan<byte> line = rest[..(lf - 1)];
            int colon = line.IndexOf((byte)':');
            if (colon < 0)
            {
                return Fail(head, 400, "header line without a colon");
            }
            if (!NameIsValid(line[..colon], head))
            {
                return Failed;
            }
            ReadOnlySpan<byte> value = line[(colon + 1)..];
            if (value.IndexOfAnyExcept(HttpChars.FieldValue) >= 0)
            {
                return Fail(head, 400, "invalid character in a header value (CR, LF, NUL or another control)");
            }
            if (head.HeaderCount == maxCount)
            {
                return Fail(head, 431, "too many header lines");
            }
            int valueStart = 0;
            while (valueStart < value.Length && IsWhitespace(value[valueStart]))
            {
                valueStart++;
            }
            int valueEnd = value.Length;
            while (valueEnd > valueStart && IsWhitespace(value[valueEnd - 1]))
            {
                valueEnd--;
            }
            head.Add(new HttpHeaderRange(pos, colon, pos + colon + 1 + valueStart, valueEnd - valueStart));
            pos += lf + 1;
        }
    }

    private static bool NameIsValid(ReadOnlySpan<byte> name, HttpRequestHead head)
    {
        if (name.IsEmpty)
        {
            return Reject(head, 400, "empty header name");
        }
        int invalid = name.IndexOfAnyExcept(HttpChars.Token);
        if (invalid < 0)
        {
            return true;
        }
        // RFC 9112 §5.1: no whitespace between name and colon; MUST be rejected with 400.
        return Reject(head, 400, IsWhitespace(name[invalid]) ? "whitespace before the colon of a header" : "invalid character in a header name");
    }

    /// <summary>An unfinished header line is checked too, so that junk is answered at once rather than after a timeout.</summary>
    private static bool PartialFieldLineIsValid(ReadOnlySpan<byte> partial, HttpRequestHead head)
    {
        int colon = partial.IndexOf((byte)':');
        ReadOnlySpan<byte> name = colon < 0 ? partial : partial[..colon];
        int invalid = name.IndexOfAnyExcept(HttpChars.Token);
        if (invalid >= 0 && !(colon < 0 && invalid == name.Length - 1 && name[invalid] == '\r'))
        {
            return NameIsValid(name, head);
        }
        if (colon < 0)
        {
            return true;
        }
        ReadOnlySpan<byte> value = partial[(colon + 1)..];
        invalid = value.IndexOfAnyExcept(HttpChars.FieldValue);
        return invalid < 0 || (invalid == value.Length - 1 && value[invalid] == '\r')
            || Reject(head, 400, "invalid character in a header value (CR, LF, NUL or another control)");
    }

    /// <summary>The semantic rules on the complete head: Host, framing, Connection, Expect.</summary>
    private static bool Interpret(ReadOnlySpan<byte> input, HttpRequestHead head, HttpLimits limits)
    {
        int hosts = 0;
        bool hasLength = false;
        long length = 0;
        bool hasTransferEncoding = false;
        var codings = default(CodingList);
        bool close = false;
        bool keepAlive = false;
        bool expectContinue = false;
        bool expectOther = false;

        foreach (HttpHeaderRange header in head.Headers)
        {
            ReadOnlySpan<byte> name = header.Name(input);
            ReadOnlySpan<byte> value = header.Value(input);
            if (Ascii.EqualsIgnoreCase(name, "Host"u8))
            {
                hosts++;
                if (value.IndexOfAny(InvalidHostBytes) >= 0 || value.IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0)
                {
                    return Reject(head, 400, "invalid Host");
                }
            }
            else if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
            {
                // RFC 9112 §6.3: an invalid Content-Length is unrecoverable framing. Digits only: no sign,
                // no inner space, no list ("5, 5"), and every copy must agree.
                if (value.IsEmpty || value.IndexOfAnyExceptInRange((byte)'0', (byte)'9') >= 0)
                {
                    return Reject(head, 400, "invalid Content-Length");
                }
                long parsed = ParseDigits(value);
                if (hasLength && parsed != length)
                {
                    return Reject(head, 400, "conflicting Content-Length");
                }
                hasLength = true;
                length = parsed;
            }
            else if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
            {
                hasTransferEncoding = true;
                if (!codings.Add(value))
                {
                    return Reject(head, 400, "invalid Transfer-Encoding");
                }
            }
            else if (Ascii.EqualsIgnoreCase(name, "Connection"u8))
            {
                ScanConnection(value, ref close, ref keepAlive);
            }
            else if (Ascii.EqualsIgnoreCase(name, "Expect"u8))
            {
                if (Ascii.EqualsIgnoreCase(value, "100-continue"u8))
                {
                    expectContinue = true;
                }
                else
                {
                    expectOther = true;
                }
            }
        }

        bool http11 = head.Version == HttpVersion.Http11;
        if (hosts > 1 || (http11 && hosts == 0))
        {
            return Reject(head, 400, hosts == 0 ? "HTTP/1.1 request without Host" : "more than one Host");
        }
        if (hasTransferEncoding)
        {
            if (!http11)
            {
                // RFC 9112 §6.1: Transfer-Encoding in a 1.0 message means the framing is faulty.
                return Reject(head, 400, "Transfer-Encoding in an HTTP/1.0 request");
            }
            if (hasLength)
            {
                return Reject(head, 400, "both Content-Length and Transfer-Encoding");
            }
            if (codings.Count == 0 || !codings.LastIsChunked || codings.ChunkedBeforeLast)
            {
                return Reject(head, 400, "chunked must be the final transfer coding, once");
            }
            if (codings.Count > 1)
            {
                return Reject(head, 501, "unsupported transfer coding");
            }
            head.BodyFraming = HttpBodyFraming.Chunked;
        }
        else if (hasLength)
        {
            if (length > limits.MaxBodyLength)
            {
                return Reject(head, 413, "request body too large");
            }
            head.ContentLength = length;
            head.BodyFraming = length > 0 ? HttpBodyFraming.ContentLength : HttpBodyFraming.None;
        }
        if (expectOther)
        {
            return Reject(head, 417, "unsupported expectation");
        }
        head.ExpectContinue = expectContinue && http11 && head.BodyFraming != HttpBodyFraming.None;
        head.KeepAliveRequested = keepAlive && !close;
        head.KeepAlive = !close && (http11 || keepAlive);
        return true;
    }

    private static ReadOnlySpan<byte> InvalidHostBytes => " \t,/\\?#@"u8;

    /// <summary>Digits only (checked before). More than 18 digits saturates: larger than any body limit.</summary>
    private static long ParseDigits(ReadOnlySpan<byte> digits)
    {
        long value = 0;
        foreach (byte d in digits)
        {
            if (value > (long.MaxValue - 9) / 10)
            {
                return long.MaxValue;
            }
            value = (value * 10) + (d - '0');
        }
        return value;
    }

    private static void ScanConnection(ReadOnlySpan<byte> value, ref bool close, ref bool keepAlive)
    {
        foreach (Range r in value.Split((byte)','))
        {
            ReadOnlySpan<byte> option = TrimWhitespace(value[r]);
            if (Ascii.EqualsIgnoreCase(option, "close"u8))
            {
                close = true;
            }
            else if (Ascii.EqualsIgnoreCase(option, "keep-alive"u8))
            {
                keepAlive = true;
            }
        }
    }

    /// <summary>The transfer codings of every Transfer-Encoding line, in order (RFC 9112 §6.1).</summary>
    private struct CodingList
    {
        public int Count;
        public bool LastIsChunked;
        public bool ChunkedBeforeLast;

        /// <returns>False for a coding that is not a token (parameters included: none is supported).</returns>
        public bool Add(ReadOnlySpan<byte> value)
        {
            foreach (Range r in value.Split((byte)','))
            {
                ReadOnlySpan<byte> coding = TrimWhitespace(value[r]);
                if (coding.IsEmpty)
                {
                    continue; // RFC 9110 §5.6.1: empty list elements are ignored
                }
                if (coding.IndexOfAnyExcept(HttpChars.Token) >= 0)
                {
                    return false;
                }
                ChunkedBeforeLast |= LastIsChunked;
                LastIsChunked = Ascii.EqualsIgnoreCase(coding, "chunked"u8);
                Count++;
            }
            return true;
        }
    }

    private static ReadOnlySpan<byte> TrimWhitespace(ReadOnlySpan<byte> s) => s.Trim(" \t"u8);

    private static bool IsWhitespace(byte b) => b == ' ' || b == '\t';

    private static bool StartsWithIgnoreCase(ReadOnlySpan<byte> s, ReadOnlySpan<byte> prefix) =>
        s.Length >= prefix.Length && Ascii.EqualsIgnoreCase(s[..prefix.Length], prefix);

    private static bool Reject(HttpRequestHead head, int status, string detail)
    {
        Fail(head, status, detail);
        return false;
    }

    private static int Fail(HttpRequestHead head, int status, string detail)
    {
        head.ErrorStatus = status;
        head.ErrorDetail = detail;
        return Failed;
    }
}
