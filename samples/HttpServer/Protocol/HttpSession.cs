using System.Buffers;

namespace ReactorNet.Samples.Http.Protocol;

/// <summary>
/// One HTTP/1.1 connection's protocol state, independent of any transport: bytes in, responses out.
/// <see cref="Process"/> takes every byte not consumed yet, parses as many whole requests as it can
/// (pipelining), writes their responses in order into the output batch, and says how many bytes it
/// used; the caller keeps the rest and calls again when more arrive. After an error response, or a
/// response that ends the connection, <see cref="IsClosed"/> is true: nothing after it is parsed.
/// </summary>
public sealed class HttpSession
{
    private const int RetainedContentBytes = 64 * 1024;

    private enum Phase
    {
        Head,
        Body,
        Closed,
    }

    private enum Action
    {
        Hello,
        Json,
        EchoBody,
        EchoHeaders,
        Options,
        NotFound,
        MethodNotAllowed,
    }

    private readonly HttpLoopContext _context;
    private readonly HttpLimits _limits;
    private readonly HttpRequestHead _head;
    private readonly HttpBodyDecoder _body = new();

    private Phase _phase;
    private int _examined;
    private long _deadline;
    private bool _timeoutAnswers408;

    private Action _action;
    private ReadOnlySpan<byte> Allow => _allow switch
    {
        1 => "GET, HEAD, POST, OPTIONS"u8,
        2 => "GET, HEAD, OPTIONS"u8,
        _ => default,
    };
    private int _allow;
    private bool _headOnly;
    private bool _keepAlive;
    private HttpConnectionHeader _connectionHeader;

    private byte[]? _content;
    private int _contentLength;

    /// <summary>Starts a session for a connection that opened at <paramref name="nowMs"/>.</summary>
    public HttpSession(HttpLoopContext context, long nowMs)
    {
        _context = context ?? throw new ArgumentNullException(nameof(context));
        _limits = context.Options.Limits;
        _head = new HttpRequestHead(_limits.MaxHeaderCount);
        // A connection that sends nothing is held to the headers timeout too (slowloris opens and waits).
        StartHeadTimer(nowMs);
    }

    /// <summary>The connection must close once the output written so far is flushed; further input is ignored.</summary>
    public bool IsClosed => _phase == Phase.Closed;

    /// <summary>Requests answered so far.</summary>
    public long RequestCount { get; private set; }

    /// <summary>The status and reason of the error that closed the session, if any (for logs).</summary>
    public (int Status, string? Detail) Error { get; private set; }

    /// <summary>When the current timeout expires (<see cref="Environment.TickCount64"/> milliseconds).</summary>
    public long Deadline => _deadline;

    /// <summary>
    /// Handles <paramref name="input"/>: every byte not consumed by earlier calls, then the new ones.
    /// </summary>
    /// <returns>How many bytes of <paramref name="input"/> were used; the caller keeps the rest.</returns>
    public int Process(ReadOnlySpan<byte> input, IBufferWriter<byte> output, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(output);
        int used = 0;
        while (_phase != Phase.Closed && used < input.Length)
        {
            ReadOnlySpan<byte> rest = input[used..];
            if (_phase == Phase.Body)
            {
                used += ReadBody(rest, output, nowMs);
                continue;
            }

            if (_examined == 0 && !_timeoutAnswers408)
            {
                StartHeadTimer(nowMs); // the first byte of a new request after an idle keep-alive period
            }
            if (!WorthParsing(rest))
            {
                _examined = rest.Length;
                break;
            }
            int headLength = HttpRequestParser.Parse(rest, _head, _limits);
            if (headLength == HttpRequestParser.NeedMore)
            {
                _examined = rest.Length;
                break;
            }
            if (headLength == HttpRequestParser.Failed)
            {
                WriteError(output, _head.ErrorStatus, _head.ErrorDetail);
                break;
            }
            _examined = 0;
            Route(rest[..headLength]);
            used += headLength;
            if (_head.BodyFraming == HttpBodyFraming.None)
            {
                Respond(output, nowMs);
                continue;
            }
            _body.Start(_head, _limits);
            _phase = Phase.Body;
            _deadline = HttpTimeouts.Deadline(nowMs, _context.Options.KeepAliveTimeout);
            _timeoutAnswers408 = false;
            if (_head.ExpectContinue && used == input.Length)
            {
                // RFC 9110 §10.1.1: the client waits for this before sending the body (unless the body already came).
                HttpResponseWriter.WriteContinue(output);
            }
        }
        return _phase == Phase.Closed ? input.Length : used;
    }

    /// <summary>
    /// Called by the loop's timer. When the current deadline passed, ends the session: a request
    /// head that did not complete in time is answered 408; an idle keep-alive connection or a
    /// stalled body is closed without a response.
    /// </summary>
    /// <returns>Whether the connection must now be closed.</returns>
    public bool OnTimer(IBufferWriter<byte> output, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (_phase == Phase.Closed || nowMs < _deadline)
        {
            return false;
        }
        if (_timeoutAnswers408)
        {
            WriteError(output, 408, "request head not received in time");
        }
        else
        {
            Error = (0, "idle timeout");
            _phase = Phase.Closed;
        }
        return true;
    }

    /// <summary>Returns pooled memory; the session is not used afterwards.</summary>
    public void Release()
    {
        _phase = Phase.Closed;
        ReturnContent();
    }

    /// <summary>
    /// Re-parsing an incomplete head costs its length, so it is only done when it can give another
    /// answer: new bytes hold a line end, or the head just crossed a size limit. A peer sending one
    /// byte at a time therefore costs O(1) per byte, not O(head).
    /// </summary>
    private bool WorthParsing(ReadOnlySpan<byte> rest)
    {
        if (_examined == 0)
        {
            return true;
        }
        if (_examined >= rest.Length)
        {
            return false;
        }
        return rest[_examined..].Contains((byte)'\n')
            || Crossed(_limits.MaxRequestLineLength + 2, rest.Length)
            || Crossed(_limits.MaxHeaderSectionLength, rest.Length);
    }

    private bool Crossed(int limit, int length) => _examined < limit && length >= limit;

    private int ReadBody(ReadOnlySpan<byte> input, IBufferWriter<byte> output, long nowMs)
    {
        HttpBodyStatus status = _body.Decode(input, out int consumed, out int offset, out int length);
        switch (status)
        {
            case HttpBodyStatus.Data:
                if (_action == Action.EchoBody)
                {
                    AppendContent(input.Slice(offset, length));
                }
                if (_body.IsComplete)
                {
                    Respond(output, nowMs); // a Content-Length body ends with its last byte: nothing more will come to say so
                }
                break;
            case HttpBodyStatus.NeedMore:
                _deadline = HttpTimeouts.Deadline(nowMs, _context.Options.KeepAliveTimeout);
                break;
            case HttpBodyStatus.Complete:
                Respond(output, nowMs);
                break;
            default:
                WriteError(output, _body.ErrorStatus, _body.ErrorDetail);
                break;
        }
        return consumed;
    }

    /// <summary>Decides the response from the head (the head's bytes are only valid now).</summary>
    private void Route(ReadOnlySpan<byte> head)
    {
        ReadOnlySpan<byte> method = head[_head.Method];
        ReadOnlySpan<byte> path = head[_head.Path];
        bool get = method.SequenceEqual("GET"u8);
        bool isHead = method.SequenceEqual("HEAD"u8);
        bool options = method.SequenceEqual("OPTIONS"u8);
        _headOnly = isHead;
        _keepAlive = _head.KeepAlive;
        _connectionHeader = !_keepAlive ? HttpConnectionHeader.Close
            : _head.Version == HttpVersion.Http10 ? HttpConnectionHeader.KeepAlive
            : HttpConnectionHeader.None;
        _contentLength = 0;

        bool root = path.IsEmpty || path.SequenceEqual("/"u8);
        _allow = root || path.SequenceEqual("*"u8) ? 1
            : path.SequenceEqual("/plaintext"u8) || path.SequenceEqual("/json"u8) || path.SequenceEqual("/echo"u8) ? 2
            : 0;
        if (_allow == 0)
        {
            _action = Action.NotFound;
        }
        else if (options)
        {
            _action = Action.Options;
        }
        else if (get || isHead)
        {
            _action = root || path.SequenceEqual("/plaintext"u8) ? Action.Hello
                : path.SequenceEqual("/json"u8) ? Action.Json
                : path.SequenceEqual("/echo"u8) ? Action.EchoHeaders
                : Action.MethodNotAllowed; // "*" with GET cannot get here: the parser allows it for OPTIONS only
        }
        else
        {
            _action = root && method.SequenceEqual("POST"u8) ? Action.EchoBody : Action.MethodNotAllowed;
        }

        if (_action == Action.EchoHeaders)
        {
            AppendContent(head[_head.HeaderSection]);
        }
    }

    private void Respond(IBufferWriter<byte> output, long nowMs)
    {
        ReadOnlySpan<byte> date = _context.Date.Value;
        switch (_action)
        {
            case Action.Hello:
                HttpResponseWriter.WriteResponse(output, 200, date, "text/plain"u8, "Hello, World!"u8, _connectionHeader, _headOnly);
                break;
            case Action.Json:
                HttpResponseWriter.WriteJsonMessage(output, date, _context.Json, _connectionHeader, _headOnly);
                break;
            case Action.EchoBody:
            case Action.EchoHeaders:
                HttpResponseWriter.WriteResponse(output, 200, date, _action == Action.EchoBody ? "application/octet-stream"u8 : "text/plain"u8,
                    _content.AsSpan(0, _contentLength), _connectionHeader, _headOnly);
                break;
            case Action.Options:
                HttpResponseWriter.WriteResponse(output, 200, date, default, default, _connectionHeader, allow: Allow);
                break;
            case Action.NotFound:
                HttpResponseWriter.WriteResponse(output, 404, date, "text/plain"u8, "Not Found"u8, _connectionHeader, _headOnly);
                break;
            default:
                HttpResponseWriter.WriteResponse(output, 405, date, "text/plain"u8, "Method Not Allowed"u8, _connectionHeader, _headOnly, Allow);
                break;
        }
        RequestCount++;
        _contentLength = 0;
        if (_content is not null && _content.Length > RetainedContentBytes)
        {
            ReturnContent(); // an idle keep-alive connection holds no large buffer
        }
        if (!_keepAlive)
        {
            _phase = Phase.Closed;
            return;
        }
        _phase = Phase.Head;
        _examined = 0;
        _timeoutAnswers408 = false;
        _deadline = HttpTimeouts.Deadline(nowMs, _context.Options.KeepAliveTimeout);
    }

    private void WriteError(IBufferWriter<byte> output, int status, string? detail)
    {
        Error = (status, detail);
        HttpResponseWriter.WriteResponse(output, status, _context.Date.Value, "text/plain"u8, HttpStatus.Reason(status), HttpConnectionHeader.Close);
        _phase = Phase.Closed;
    }

    private void StartHeadTimer(long nowMs)
    {
        _deadline = HttpTimeouts.Deadline(nowMs, _context.Options.HeadersTimeout);
        _timeoutAnswers408 = true;
    }

    /// <summary>Appends to the pooled content buffer; the body limit (checked by the parser and decoder) bounds it.</summary>
    private void AppendContent(ReadOnlySpan<byte> data)
    {
        int needed = _contentLength + data.Length;
        if (_content is null || needed > _content.Length)
        {
            byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, Math.Min(2 * (_content?.Length ?? 2048), (int)Math.Min(int.MaxValue, _limits.MaxBodyLength))));
            _content.AsSpan(0, _contentLength).CopyTo(bigger);
            ReturnContent();
            _content = bigger;
        }
        data.CopyTo(_content.AsSpan(_contentLength));
        _contentLength = needed;
    }

    private void ReturnContent()
    {
        if (_content is not null)
        {
            ArrayPool<byte>.Shared.Return(_content);
            _content = null;
        }
    }
}
