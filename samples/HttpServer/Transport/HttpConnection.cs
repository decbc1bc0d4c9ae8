using ReactorNet.Samples.Common;
using Microsoft.Extensions.Logging;
using ReactorNet.Samples.Http.Protocol;
using ReactorNet.Tcp;

namespace ReactorNet.Samples.Http.Transport;

/// <summary>
/// The glue between one <see cref="TcpConnection"/> and its <see cref="HttpSession"/>: keeps the
/// unconsumed input, sends each read batch's responses with one <c>Send</c>, and closes after a
/// response that ends the connection. The only code that knows the transport's API.
/// </summary>
internal sealed class HttpConnection
{
    private readonly TcpConnection _connection;
    private readonly HttpLoop _loop;
    private readonly HttpSession _session;
    private readonly InputAccumulator _input;
    private readonly ILogger _logger;

    public HttpConnection(TcpConnection connection, HttpLoop loop, ILogger logger)
    {
        _connection = connection;
        _loop = loop;
        _logger = logger;
        _session = new HttpSession(loop.Context, Environment.TickCount64);
        _input = new InputAccumulator(loop.Context.Options.Limits.MaxHeaderSectionLength);
    }

    /// <summary>Position in the loop's connection list, -1 once removed.</summary>
    public int LoopIndex { get; set; } = -1;

    public void OnData(ReadOnlySpan<byte> data)
    {
        if (_session.IsClosed)
        {
            return; // after an error or a final response nothing is parsed: no smuggled second request
        }
        BatchBuffer output = _loop.Output;
        long now = Environment.TickCount64;
        if (_input.IsEmpty)
        {
            // The common case: whole requests in one read are parsed straight from the read buffer.
            int used = _session.Process(data, output, now);
            if (used < data.Length && !_session.IsClosed)
            {
                _input.Append(data[used..]);
            }
        }
        else
        {
            ReadOnlySpan<byte> all = _input.Append(data);
            _input.Consume(_session.Process(all, output, now));
        }
        Flush(output);
    }

    public void OnTimer(long now)
    {
        BatchBuffer output = _loop.Output;
        if (_session.OnTimer(output, now))
        {
            Flush(output);
        }
    }

    public void OnClosed()
    {
        _loop.Remove(this);
        _session.Release();
        _input.Release();
    }

    private void Flush(BatchBuffer output)
    {
        if (output.WrittenCount > 0)
        {
            _connection.TrySend(output.WrittenSpan);
            output.Clear();
        }
        if (_session.IsClosed)
        {
            (int status, string? detail) = _session.Error;
            if (status != 0)
            {
                HttpLog.RequestRejected(_logger, _connection.RemoteEndPoint, status, detail);
            }
            else if (detail is not null)
            {
                HttpLog.Closing(_logger, _connection.RemoteEndPoint, detail);
            }
            _input.Release();
            _loop.Remove(this);
            _connection.Close(); // graceful: the response is flushed before FIN
        }
    }
}
