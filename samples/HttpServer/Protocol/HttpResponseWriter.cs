using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace ReactorNet.Samples.Http.Protocol;

/// <summary>What a response says about the connection.</summary>
public enum HttpConnectionHeader
{
    /// <summary>Nothing: HTTP/1.1 keep-alive is the default.</summary>
    None,

    /// <summary><c>Connection: keep-alive</c>, for an HTTP/1.0 client that asked for it.</summary>
    KeepAlive,

    /// <summary><c>Connection: close</c>: the server closes after this response.</summary>
    Close,
}

/// <summary>
/// Writes responses straight into an <see cref="IBufferWriter{T}"/> (the connection's output batch):
/// status line, <c>Server</c>, <c>Date</c> (the cached value), <c>Content-Type</c>,
/// <c>Content-Length</c>, <c>Connection</c> and <c>Allow</c> when needed. No strings, no allocation.
/// </summary>
public static class HttpResponseWriter
{
    /// <summary>The value of the <c>Server</c> header.</summary>
    public static ReadOnlySpan<byte> ServerName => "ReactorNet"u8;

    /// <summary>The interim response to <c>Expect: 100-continue</c>.</summary>
    public static void WriteContinue(IBufferWriter<byte> output) => output.Write("HTTP/1.1 100 Continue\r\n\r\n"u8);

    /// <summary>
    /// Writes a response head. Every response carries <c>Content-Length</c>, also 0 for an empty body,
    /// so that the client never has to read until the connection closes.
    /// </summary>
    public static void WriteHead(
        IBufferWriter<byte> output,
        int status,
        ReadOnlySpan<byte> date,
        ReadOnlySpan<byte> contentType,
        long contentLength,
        HttpConnectionHeader connection,
        ReadOnlySpan<byte> allow = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfNegative(contentLength);
        output.Write(HttpStatus.StatusLine(status));
        output.Write("Server: "u8);
        output.Write(ServerName);
        output.Write("\r\nDate: "u8);
        output.Write(date);
        if (!contentType.IsEmpty)
        {
            output.Write("\r\nContent-Type: "u8);
            output.Write(contentType);
        }
        output.Write("\r\nContent-Length: "u8);
        Span<byte> digits = output.GetSpan(20);
        Utf8Formatter.TryFormat(contentLength, digits, out int written);
        output.Advance(written);
        if (connection == HttpConnectionHeader.Close)
        {
            output.Write("\r\nConnection: close"u8);
        }
        else if (connection == HttpConnectionHeader.KeepAlive)
        {
            output.Write("\r\nConnection: keep-alive"u8);
        }
        if (!allow.IsEmpty)
        {
            output.Write("\r\nAllow: "u8);
            output.Write(allow);
        }
        output.Write("\r\n\r\n"u8);
    }

    /// <summary>A whole response with a body (the body is left out when <paramref name="headOnly"/>, for HEAD).</summary>
    public static void WriteResponse(
        IBufferWriter<byte> output,
        int status,
        ReadOnlySpan<byte> date,
        ReadOnlySpan<byte> contentType,
        ReadOnlySpan<byte> body,
        HttpConnectionHeader connection,
        bool headOnly = false,
        ReadOnlySpan<byte> allow = default)
    {
        WriteHead(output, status, date, contentType, body.Length, connection, allow);
        if (!headOnly)
        {
            output.Write(body);
        }
    }

    /// <summary>
    /// <c>{"message":"Hello, World!"}</c> serialised by <paramref name="json"/> straight into the
    /// output. The length is needed before the body, so the object is serialised twice: once into a
    /// counter that keeps nothing, once for real; both passes are allocation-free.
    /// </summary>
    public static void WriteJsonMessage(IBufferWriter<byte> output, ReadOnlySpan<byte> date, JsonMessageWriter json, HttpConnectionHeader connection, bool headOnly)
    {
        ArgumentNullException.ThrowIfNull(json);
        long length = json.Measure();
        WriteHead(output, 200, date, "application/json"u8, length, connection);
        if (!headOnly)
        {
            json.Write(output);
        }
    }
}

/// <summary>A reusable <see cref="Utf8JsonWriter"/> for the <c>/json</c> route (one per loop: not thread-safe).</summary>
public sealed class JsonMessageWriter
{
    private readonly CountingBufferWriter _counter = new();
    private readonly Utf8JsonWriter _writer;

    /// <summary>Creates the writer.</summary>
    public JsonMessageWriter()
    {
        _writer = new Utf8JsonWriter(_counter, new JsonWriterOptions { SkipValidation = true });
    }

    /// <summary>The message's length in bytes.</summary>
    public long Measure()
    {
        _counter.Count = 0;
        _writer.Reset(_counter);
        WriteMessage(_writer);
        return _counter.Count;
    }

    /// <summary>Serialises the message into <paramref name="output"/>.</summary>
    public void Write(IBufferWriter<byte> output)
    {
        _writer.Reset(output);
        WriteMessage(_writer);
        _writer.Reset(_counter); // hold no reference to the output between responses
    }

    private static void WriteMessage(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("message"u8, "Hello, World!"u8);
        writer.WriteEndObject();
        writer.Flush();
    }

    /// <summary>Hands out one scratch buffer over and over, counting what is written into it.</summary>
    private sealed class CountingBufferWriter : IBufferWriter<byte>
    {
        private byte[] _scratch = new byte[256];

        public long Count { get; set; }

        public void Advance(int count) => Count += count;

        public Memory<byte> GetMemory(int sizeHint = 0) => Scratch(sizeHint);

        public Span<byte> GetSpan(int sizeHint = 0) => Scratch(sizeHint).Span;

        private Memory<byte> Scratch(int sizeHint)
        {
            if (sizeHint > _scratch.Length)
            {
                _scratch = new byte[sizeHint];
            }
            return _scratch;
        }
    }
}
