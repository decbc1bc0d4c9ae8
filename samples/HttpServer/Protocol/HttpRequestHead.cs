namespace ReactorNet.Samples.Http.Protocol;

/// <summary>The HTTP version of a request: only 1.0 and 1.1 are served (others get 505).</summary>
public enum HttpVersion
{
    /// <summary>Not parsed yet.</summary>
    Unknown,

    /// <summary>HTTP/1.0: the connection closes after the response unless keep-alive is asked for.</summary>
    Http10,

    /// <summary>HTTP/1.1: persistent unless <c>Connection: close</c>.</summary>
    Http11,
}

/// <summary>How the body of a request is delimited (RFC 9112 §6.3).</summary>
public enum HttpBodyFraming
{
    /// <summary>No body.</summary>
    None,

    /// <summary><c>Content-Length</c>: exactly that many bytes.</summary>
    ContentLength,

    /// <summary><c>Transfer-Encoding: chunked</c>.</summary>
    Chunked,
}

/// <summary>A header line as offsets into the request head (no copy, no string).</summary>
public readonly record struct HttpHeaderRange(int NameStart, int NameLength, int ValueStart, int ValueLength)
{
    /// <summary>The name's bytes in <paramref name="head"/> (the span the head was parsed from).</summary>
    public ReadOnlySpan<byte> Name(ReadOnlySpan<byte> head) => head.Slice(NameStart, NameLength);

    /// <summary>The value's bytes, without surrounding whitespace.</summary>
    public ReadOnlySpan<byte> Value(ReadOnlySpan<byte> head) => head.Slice(ValueStart, ValueLength);
}

/// <summary>
/// What <see cref="HttpRequestParser"/> found in a request head. All positions are offsets into the
/// span that was parsed; the instance is reused for every request of a connection, so parsing
/// allocates nothing.
/// </summary>
public sealed class HttpRequestHead
{
    private readonly HttpHeaderRange[] _headers;

    /// <summary>Creates a head with room for <paramref name="maxHeaders"/> header lines.</summary>
    public HttpRequestHead(int maxHeaders = 100)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxHeaders, 1);
        _headers = new HttpHeaderRange[maxHeaders];
    }

    /// <summary>The status to answer with when parsing failed (4xx/5xx), else 0.</summary>
    public int ErrorStatus { get; internal set; }

    /// <summary>A short reason for the failure, for logs and the error body.</summary>
    public string? ErrorDetail { get; internal set; }

    /// <summary>Offset and length of the method.</summary>
    public Range Method { get; internal set; }

    /// <summary>Offset and length of the request target as sent.</summary>
    public Range Target { get; internal set; }

    /// <summary>Offset and length of the path (the target without query, origin-form; "/" for absolute-form without path; "*" for asterisk-form).</summary>
    public Range Path { get; internal set; }

    /// <summary>The protocol version.</summary>
    public HttpVersion Version { get; internal set; }

    /// <summary>Number of header lines.</summary>
    public int HeaderCount { get; internal set; }

    /// <summary>Offset of the first header line and end of the last one's CRLF: the header section as sent.</summary>
    public Range HeaderSection { get; internal set; }

    /// <summary>How the body is delimited.</summary>
    public HttpBodyFraming BodyFraming { get; internal set; }

    /// <summary>The <c>Content-Length</c> when <see cref="BodyFraming"/> is <see cref="HttpBodyFraming.ContentLength"/>.</summary>
    public long ContentLength { get; internal set; }

    /// <summary>Whether the connection stays open after the response (version default and <c>Connection</c>).</summary>
    public bool KeepAlive { get; internal set; }

    /// <summary>Whether the request asked for 1.0 keep-alive explicitly (the response then says <c>Connection: keep-alive</c>).</summary>
    public bool KeepAliveRequested { get; internal set; }

    /// <summary><c>Expect: 100-continue</c>.</summary>
    public bool ExpectContinue { get; internal set; }

    /// <summary>The header lines, in order.</summary>
    public ReadOnlySpan<HttpHeaderRange> Headers => _headers.AsSpan(0, HeaderCount);

    internal int Capacity => _headers.Length;

    internal void Add(HttpHeaderRange header) => _headers[HeaderCount++] = header;

    internal void Reset()
    {
        ErrorStatus = 0;
        ErrorDetail = null;
        Method = default;
        Target = default;
        Path = default;
        Version = HttpVersion.Unknown;
        HeaderCount = 0;
        HeaderSection = default;
        BodyFraming = HttpBodyFraming.None;
        ContentLength = 0;
        KeepAlive = false;
        KeepAliveRequested = false;
        ExpectContinue = false;
    }
}
