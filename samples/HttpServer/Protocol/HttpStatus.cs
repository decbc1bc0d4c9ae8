namespace ReactorNet.Samples.Http.Protocol;

/// <summary>Status lines of the statuses this server sends (RFC 9110 §15 reason phrases).</summary>
public static class HttpStatus
{
    /// <summary>The whole status line with its CRLF, e.g. <c>HTTP/1.1 404 Not Found\r\n</c>. The version is always 1.1, the highest this server speaks (RFC 9110 §6.2).</summary>
    public static ReadOnlySpan<byte> StatusLine(int status) => status switch
    {
        100 => "HTTP/1.1 100 Continue\r\n"u8,
        200 => "HTTP/1.1 200 OK\r\n"u8,
        400 => "HTTP/1.1 400 Bad Request\r\n"u8,
        404 => "HTTP/1.1 404 Not Found\r\n"u8,
        405 => "HTTP/1.1 405 Method Not Allowed\r\n"u8,
        408 => "HTTP/1.1 408 Request Timeout\r\n"u8,
        413 => "HTTP/1.1 413 Content Too Large\r\n"u8,
        414 => "HTTP/1.1 414 URI Too Long\r\n"u8,
        417 => "HTTP/1.1 417 Expectation Failed\r\n"u8,
        431 => "HTTP/1.1 431 Request Header Fields Too Large\r\n"u8,
        501 => "HTTP/1.1 501 Not Implemented\r\n"u8,
        505 => "HTTP/1.1 505 HTTP Version Not Supported\r\n"u8,
        _ => "HTTP/1.1 500 Internal Server Error\r\n"u8,
    };

    /// <summary>The reason phrase alone, used as a short plain-text body of error responses.</summary>
    public static ReadOnlySpan<byte> Reason(int status)
    {
        ReadOnlySpan<byte> line = StatusLine(status);
        return line["HTTP/1.1 000 ".Length..^2];
    }
}
