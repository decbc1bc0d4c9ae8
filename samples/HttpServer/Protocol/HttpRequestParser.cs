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
public static partial class HttpRequestParser
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
