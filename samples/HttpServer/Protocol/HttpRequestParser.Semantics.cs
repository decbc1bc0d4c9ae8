using System.Text;

namespace ReactorNet.Samples.Http.Protocol;

/// <summary>
/// The second half of parsing: once the head is complete and well formed, the rules that depend on
/// which headers came and how they combine: Host (RFC 9112 §3.2), message framing (RFC 9112 §6),
/// Connection (RFC 9110 §7.6.1) and Expect (RFC 9110 §10.1.1).
/// </summary>
public static partial class HttpRequestParser
{
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
}
