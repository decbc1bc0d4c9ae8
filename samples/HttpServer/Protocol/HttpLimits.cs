namespace ReactorNet.Samples.Http.Protocol;

/// <summary>
/// Size limits of a request. Each one bounds the memory and the work an untrusted peer can cause;
/// going past one is answered with the status RFC 9110/9112 names and the connection is closed.
/// </summary>
public sealed class HttpLimits
{
    /// <summary>The defaults: 8 KiB request line, 32 KiB head, 100 header lines, 1 MiB body.</summary>
    public static HttpLimits Default { get; } = new();

    /// <summary>Longest request line (without CRLF); a longer one is answered 414 (URI too long) or 400.</summary>
    public int MaxRequestLineLength { get; init; } = 8 * 1024;

    /// <summary>Longest request head (request line, header lines, final CRLF); past it: 431.</summary>
    public int MaxHeaderSectionLength { get; init; } = 32 * 1024;

    /// <summary>Most header lines in one request; more: 431.</summary>
    public int MaxHeaderCount { get; init; } = 100;

    /// <summary>Largest request body (decoded, for chunked bodies); larger: 413.</summary>
    public long MaxBodyLength { get; init; } = 1024 * 1024;

    /// <summary>Longest chunk extension on one chunk-size line; longer: 400.</summary>
    public int MaxChunkExtensionLength { get; init; } = 1024;

    /// <summary>Largest trailer section of a chunked body; larger: 431.</summary>
    public int MaxTrailerSectionLength { get; init; } = 8 * 1024;
}
