using Microsoft.Extensions.Logging;
using ReactorNet.Samples.Http.Protocol;
using ReactorNet.Tcp;

namespace ReactorNet.Samples.Http.Transport;

/// <summary>
/// The glue between one <see cref="TcpConnection"/> and its <see cref="HttpSession"/>: responses are
/// written straight into <see cref="TcpConnection.Output"/> (the transport writes a read batch's
/// responses together), input the session did not consume stays with the transport, and the
/// connection closes after a response that ends it. The only code that knows the transport's API.
/// </summary>
internal sealed class HttpConnection
{
    private readonly TcpConnection _connection;
    private readonly HttpLoop _loop;
    private readonly HttpSession _session;
    private readonly ILogger _logger;

    public HttpConnection(TcpConnection connection, HttpLoop loop, ILogger logger)
    {
        _connection = connection;
        _loop = loop;
        _logger = logger;
        _session = new HttpSession(loop.Context, Environment.TickCount64);
    }

    /// <summary>Position in the loop's connection list, -1 once removed.</summary>
    public int LoopIndex { get; set; } = -1;

    /// <returns>The bytes consumed: the transport presents the rest again, first, with the next ones.</returns>
    public int OnData(ReadOnlySpan<byte> data)
    {
        if (_session.IsClosed)
        {
            return data.Length; // after an error or a final response nothing is parsed: no smuggled second request
        }
        int used = _session.Process(data, _connection.Output, Environment.TickCount64);
        CloseIfEnded();
        return used;
    }

    public void OnTimer(long now)
    {
        // Output is asked for only once a deadline passed: an idle connection needs no writer made for it.
        if (now >= _session.Deadline && _session.OnTimer(_connection.Output, now))
        {
            CloseIfEnded();
        }
    }

    public void OnClosed()
    {
        _loop.Remove(this);
        _session.Release();
    }

    private void CloseIfEnded()
    {
        if (!_session.IsClosed)
        {
            return;
        }
        (int status, string? detail) = _session.Error;
        if (status != 0)
        {
            HttpLog.RequestRejected(_logger, _connection.RemoteEndPoint, status, detail);
        }
        else if (detail is not null)
        {
            HttpLog.Closing(_logger, _connection.RemoteEndPoint, detail);
        }
        _loop.Remove(this);
        _connection.Close(); // graceful: the responses written so far go out before the FIN
    }
}
