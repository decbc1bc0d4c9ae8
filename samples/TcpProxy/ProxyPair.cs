using System.Net;
using Microsoft.Extensions.Logging;
using ReactorNet.Samples.Common;
using ReactorNet.Tcp;

namespace ReactorNet.Samples.Proxy;

/// <summary>
/// One proxied connection: the client side (<see cref="Downstream"/>, accepted) and the upstream
/// side (connected on the same loop, so both sides' callbacks run on one thread and need no locks).
/// </summary>
/// <remarks>
/// <para>Backpressure, per direction: reading never pauses by itself
/// (<see cref="TcpConnectionOptions.PauseReadingAtHighWaterMark"/> = false); when one side's
/// output crosses its high-water mark, the proxy stops reading the <em>other</em> side, the one
/// that produces that output, and resumes when it drains below the low-water mark. Memory per
/// pair is bounded by the water marks plus one read, whatever the two peers do.</para>
/// <para>Closing: a FIN is passed on as a FIN after the data before it
/// (<see cref="TcpConnection.ShutdownOutput"/>), and the other direction keeps flowing. A side
/// that ends any other way (reset, timeout, write stall, shutdown) aborts the other with RST, so
/// a peer never mistakes a broken stream for a complete one. A failed upstream connect resets the
/// client.</para>
/// </remarks>
internal sealed class ProxyPair
{
    public static readonly TcpConnectionOptions ConnectionOptions = new() { PauseReadingAtHighWaterMark = false };

    private readonly EndPoint _upstreamEndPoint;
    private readonly ILogger _logger;
    private readonly Side _downstream;
    private readonly Side _upstream;

    public ProxyPair(EndPoint upstreamEndPoint, ILogger logger)
    {
        _upstreamEndPoint = upstreamEndPoint;
        _logger = logger;
        _downstream = new Side(this, isClient: true);
        _upstream = new Side(this, isClient: false);
        _downstream.Other = _upstream;
        _upstream.Other = _downstream;
    }

    /// <summary>The handler of the accepted client connection.</summary>
    public IConnectionHandler Downstream => _downstream;

    private void OnClientConnected(TcpConnection client)
    {
        client.PauseReading(); // nothing to forward to until the upstream answers
        SampleLog.Connected(_logger, client.RemoteEndPoint);
        TcpConnection.ConnectAsync(client.Reactor, _upstreamEndPoint, _upstream, ConnectionOptions)
            .ContinueWith(
                static (task, state) =>
                {
                    var (pair, client) = ((ProxyPair, TcpConnection))state!;
                    ProxyLog.UpstreamFailed(pair._logger, client.RemoteEndPoint, pair._upstreamEndPoint, task.Exception!.InnerException!.Message);
                    client.Abort(); // any thread
                },
                (this, client),
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
    }

    /// <summary>One side's callbacks; <see cref="Other"/> is the side its bytes go to.</summary>
    private sealed class Side(ProxyPair pair, bool isClient) : IConnectionHandler
    {
        public Side Other { get; set; } = null!;

        public TcpConnection? Connection { get; private set; }

        public void OnConnected(TcpConnection connection)
        {
            Connection = connection;
            if (isClient)
            {
                pair.OnClientConnected(connection);
                return;
            }
            TcpConnection? client = Other.Connection;
            if (client is null || client.IsClosed)
            {
                connection.Abort(); // the client left while we were connecting
                return;
            }
            if (client.IsInputShutdown)
            {
                connection.ShutdownOutput(); // the client's FIN came before the upstream was there
            }
            client.ResumeReading();
        }

        public int OnData(TcpConnection connection, ReadOnlySpan<byte> data)
        {
            TcpConnection? to = Other.Connection;
            if (to is null || !to.TrySend(data))
            {
                connection.Abort(); // the other side is gone: these bytes can never arrive
            }
            // Backpressure: crossing the other side's high-water mark calls its OnWritabilityChanged(false).
            return data.Length;
        }

        public void OnWritabilityChanged(TcpConnection connection, bool writable)
        {
            // This side's output is backed up: stop reading the side that produces it.
            TcpConnection? producer = Other.Connection;
            if (producer is null || producer.IsClosed)
            {
                return;
            }
            if (writable)
            {
                producer.ResumeReading();
            }
            else
            {
                producer.PauseReading();
            }
        }

        public void OnInputShutdown(TcpConnection connection)
        {
            // FIN in, FIN out: after everything this side sent before it. Both directions close on
            // their own FINs; the connection ends (Graceful) once both are exchanged.
            Other.Connection?.ShutdownOutput();
        }

        public void OnClosed(TcpConnection connection, CloseReason reason, Exception? error)
        {
            if (reason is not CloseReason.Graceful)
            {
                Other.Connection?.Abort(); // a broken stream is passed on as a reset
            }
            if (isClient)
            {
                SampleLog.ConnectionLost(pair._logger, connection.RemoteEndPoint, error is null ? reason.ToString() : $"{reason}: {error.Message}");
            }
        }
    }
}
