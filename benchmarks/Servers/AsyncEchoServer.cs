using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace ReactorNet.Benchmarks.Servers;

/// <summary>
/// The platform's own answer to "write an echo server": <see cref="Socket.AcceptAsync()"/> in a
/// loop, and per connection a <c>ReceiveAsync</c>/<c>SendAsync</c> loop over a pooled buffer,
/// running on the thread pool behind .NET's own epoll engine. Written the way a competent .NET
/// developer would, so that the comparison with the reactor is fair: the <c>Memory</c>-based
/// overloads complete through cached awaitables and allocate nothing per message.
/// </summary>
public sealed class AsyncEchoServer : IEchoServer
{
    private readonly Socket _listener;
    private readonly AsyncEchoServerOptions _options;
    private readonly HashSet<Socket> _connections = [];
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _acceptLoop;
    private bool _stopping;

    private AsyncEchoServer(IPEndPoint endPoint, AsyncEchoServerOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BufferSize, 1, nameof(options.BufferSize));
        _options = options;
        _listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // Lets a benchmark re-bind a fixed port at once after the previous run's TIME_WAITs.
            _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _listener.Bind(endPoint);
            _listener.Listen(options.Backlog);
        }
        catch
        {
            _listener.Dispose();
            throw;
        }
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>Binds <paramref name="endPoint"/> (port 0 picks a free port) and starts accepting.</summary>
    /// <param name="endPoint">Where to listen.</param>
    /// <param name="options">Settings; defaults when <see langword="null"/>.</param>
    /// <returns>The running server.</returns>
    public static AsyncEchoServer Start(IPEndPoint endPoint, AsyncEchoServerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        return new AsyncEchoServer(endPoint, options ?? new AsyncEchoServerOptions());
    }

    /// <inheritdoc />
    public IPEndPoint EndPoint { get; }

    /// <summary>Connections currently being served.</summary>
    public int ConnectionCount
    {
        get
        {
            lock (_connections)
            {
                return _connections.Count;
            }
        }
    }

    /// <summary>
    /// Stops accepting, aborts every connection (disposing a socket fails its pending operation)
    /// and waits until every connection loop has returned its buffer.
    /// </summary>
    /// <returns>A task that completes when the server is fully stopped.</returns>
    public async Task StopAsync()
    {
        Socket[] open;
        lock (_connections)
        {
            if (_stopping)
            {
                open = [];
            }
            else
            {
                _stopping = true;
                open = [.. _connections];
                if (open.Length == 0)
                {
                    _drained.TrySetResult();
                }
            }
        }
        _listener.Dispose();
        foreach (Socket socket in open)
        {
            socket.Dispose();
        }
        await _acceptLoop.ConfigureAwait(false);
        await _drained.Task.ConfigureAwait(false);
    }

    /// <summary>Stops the server; see <see cref="StopAsync"/>. Gives up waiting after ten seconds.</summary>
    public void Dispose() => StopAsync().Wait(TimeSpan.FromSeconds(10));

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync().ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException) when (Volatile.Read(ref _stopping))
            {
                return;
            }
            catch (SocketException)
            {
                // EMFILE and friends: the pending connection stays queued, so retrying at once
                // would spin a core. Back off a little and try again.
                await Task.Delay(10).ConfigureAwait(false);
                continue;
            }
            client.NoDelay = true;
            if (!Track(client))
            {
                client.Dispose();
                return;
            }
            // Serve on the thread pool rather than inline: a connection whose receives keep
            // completing synchronously would otherwise hold up the accept loop.
            ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.Server.ServeAsync(state.Socket), (Server: this, Socket: client), preferLocal: false);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        int size = _options.BufferSize;
        bool zeroByteReads = _options.ZeroByteReads;
        byte[]? buffer = zeroByteReads ? null : ArrayPool<byte>.Shared.Rent(size);
        try
        {
            while (true)
            {
                if (zeroByteReads)
                {
                    await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None).ConfigureAwait(false);
                    buffer = ArrayPool<byte>.Shared.Rent(size);
                }
                int received = await socket.ReceiveAsync(buffer.AsMemory(0, size), SocketFlags.None).ConfigureAwait(false);
                if (received == 0)
                {
                    return; // the peer closed its side: we are done
                }
                // On a stream socket SendAsync completes only when every byte is handed to the kernel.
                await socket.SendAsync(buffer.AsMemory(0, received), SocketFlags.None).ConfigureAwait(false);
                if (zeroByteReads)
                {
                    ArrayPool<byte>.Shared.Return(buffer!);
                    buffer = null;
                }
            }
        }
        catch (SocketException)
        {
            // Reset by the peer, or aborted by StopAsync: either way the connection is over.
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            socket.Dispose();
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            Untrack(socket);
        }
    }

    private bool Track(Socket socket)
    {
        lock (_connections)
        {
            return !_stopping && _connections.Add(socket);
        }
    }

    private void Untrack(Socket socket)
    {
        lock (_connections)
        {
            if (_connections.Remove(socket) && _stopping && _connections.Count == 0)
            {
                _drained.TrySetResult();
            }
        }
    }
}
