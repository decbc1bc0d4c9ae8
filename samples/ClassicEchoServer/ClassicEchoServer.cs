using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ReactorNet.Samples.Common;

namespace ReactorNet.Samples.Classic;

/// <summary>
/// The part both textbook servers share: a blocking listening socket, an accept thread, and
/// bookkeeping of open connections so that <see cref="Dispose"/> can stop everything. What happens
/// to an accepted socket — served right there, or on a thread of its own — is the subclass's choice.
/// </summary>
/// <remarks>Usable in-process (benchmarks start them as baselines): <c>Start()</c>, use, <c>Dispose()</c>.</remarks>
public abstract class ClassicEchoServer : IDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private readonly IPEndPoint _endPoint;
    private readonly int _backlog;
    private readonly HashSet<Socket> _clients = [];
    private Socket? _listener;
    private Thread? _acceptThread;
    private IPEndPoint? _localEndPoint;
    private int _serving;
    private bool _stopping;

    protected ClassicEchoServer(IPEndPoint endPoint, EchoProtocol? protocol, ILogger? logger, int backlog)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentOutOfRangeException.ThrowIfLessThan(backlog, 1);
        _endPoint = endPoint;
        _backlog = backlog;
        Protocol = protocol ?? EchoProtocol.Plain;
        Logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The bound endpoint (with the real port when 0 was asked); set by <see cref="Start"/>.</summary>
    public IPEndPoint LocalEndPoint => _localEndPoint ?? throw new InvalidOperationException("The server is not started.");

    /// <summary>Connections being served right now.</summary>
    public int ConnectionCount
    {
        get
        {
            lock (_clients)
            {
                return _clients.Count;
            }
        }
    }

    protected EchoProtocol Protocol { get; }

    protected ILogger Logger { get; }

    /// <summary>Binds, listens and starts accepting on a dedicated thread.</summary>
    /// <returns>The bound endpoint.</returns>
    /// <exception cref="SocketException">Binding or listening failed (e.g. the port is taken).</exception>
    public IPEndPoint Start()
    {
        lock (_clients)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            if (_listener is not null)
            {
                throw new InvalidOperationException("The server is already started.");
            }
            var listener = new Socket(_endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                listener.Bind(_endPoint);
                listener.Listen(_backlog);
            }
            catch
            {
                listener.Dispose();
                throw;
            }
            _listener = listener;
            _localEndPoint = (IPEndPoint)listener.LocalEndPoint!;
            _acceptThread = new Thread(() => AcceptLoop(listener)) { IsBackground = true, Name = "echo-accept" };
            _acceptThread.Start();
            return _localEndPoint;
        }
    }

    /// <summary>Stops accepting, closes every connection and waits (bounded) for their threads to finish.</summary>
    public void Dispose()
    {
        Socket? listener;
        Thread? acceptThread;
        lock (_clients)
        {
            if (_stopping)
            {
                return;
            }
            _stopping = true;
            listener = _listener;
            acceptThread = _acceptThread;
            // Shutdown (not Close) wakes a thread blocked in Receive or Send on the socket; the
            // serving thread owns the socket and closes it itself, so nobody touches a closed one.
            foreach (Socket client in _clients)
            {
                ShutdownQuietly(client);
            }
        }

        // On Linux, closing a listening socket does not wake a thread blocked in accept(); shutting it down does.
        if (listener is not null)
        {
            ShutdownQuietly(listener);
            listener.Dispose();
        }
        acceptThread?.Join(StopTimeout);

        lock (_clients)
        {
            long deadline = Environment.TickCount64 + (long)StopTimeout.TotalMilliseconds;
            while (_serving > 0)
            {
                long remaining = deadline - Environment.TickCount64;
                if (remaining <= 0)
                {
                    break; // a thread stuck beyond reason; it is a background thread and cannot keep the process alive
                }
                Monitor.Wait(_clients, TimeSpan.FromMilliseconds(remaining));
            }
        }
        GC.SuppressFinalize(this);
    }

    /// <summary>Called on the accept thread for each accepted connection; must end up calling <see cref="Serve"/>.</summary>
    protected abstract void OnAccepted(Socket client);

    /// <summary>
    /// Counts a connection as being served before its thread starts, so <see cref="Dispose"/> waits for it.
    /// </summary>
    /// <returns><see langword="false"/> when the server is stopping (the caller must not serve the client).</returns>
    protected bool BeginServing()
    {
        lock (_clients)
        {
            if (_stopping)
            {
                return false;
            }
            _serving++;
            return true;
        }
    }

    /// <summary>
    /// Serves one client until it leaves, then closes its socket. Must follow a successful
    /// <see cref="BeginServing"/>. Never throws: a client that resets or misbehaves ends only its own connection.
    /// </summary>
    protected void Serve(Socket client)
    {
        EndPoint? remote = null;
        bool tracked = false;
        try
        {
            remote = client.RemoteEndPoint;
            lock (_clients)
            {
                tracked = !_stopping && _clients.Add(client);
            }
            if (!tracked)
            {
                return;
            }
            SampleLog.Connected(Logger, remote);
            EchoConnection.Run(client, Protocol);
            SampleLog.Disconnected(Logger, remote);
        }
        catch (SocketException ex)
        {
            SampleLog.ConnectionLost(Logger, remote, Describe(ex));
        }
        catch (ObjectDisposedException)
        {
            SampleLog.ConnectionLost(Logger, remote, "server stopping");
        }
#pragma warning disable CA1031 // A bug in one connection must not take the whole server down.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            SampleLog.ConnectionFailed(Logger, remote, ex);
        }
        finally
        {
            lock (_clients)
            {
                if (tracked)
                {
                    _clients.Remove(client);
                }
            }
            client.Dispose();
            EndServing();
        }
    }

    /// <summary>Gives up on a client after <see cref="BeginServing"/> without serving it (e.g. no thread for it).</summary>
    protected void Abandon(Socket client)
    {
        ArgumentNullException.ThrowIfNull(client);
        client.Dispose();
        EndServing();
    }

    private void EndServing()
    {
        lock (_clients)
        {
            _serving--;
            Monitor.PulseAll(_clients);
        }
    }

    private void AcceptLoop(Socket listener)
    {
        while (true)
        {
            Socket client;
            try
            {
                client = listener.Accept();
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException && Volatile.Read(ref _stopping))
            {
                return;
            }
            catch (SocketException ex)
            {
                // ECONNABORTED and friends concern one would-be client; running out of descriptors
                // does not go away by retrying in a tight loop, so back off a little.
                SampleLog.AcceptFailed(Logger, Describe(ex));
                if (ex.SocketErrorCode is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable)
                {
                    Thread.Sleep(50);
                }
                continue;
            }

            client.NoDelay = true; // replies are whole; Nagle would only delay small echoes
            if (BeginServing())
            {
                OnAccepted(client);
            }
            else
            {
                client.Dispose();
                return;
            }
        }
    }

    private static string Describe(SocketException ex) => ex.SocketErrorCode switch
    {
        SocketError.ConnectionReset => "connection reset by peer",
        SocketError.Shutdown or SocketError.OperationAborted or SocketError.Interrupted => "server stopping",
        _ => ex.Message,
    };

    private static void ShutdownQuietly(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Not connected (any more): nothing to wake.
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
