using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ReactorNet.Tcp;

namespace ReactorNet.Hosting;

/// <summary>
/// Runs the loop group and the registered servers with the host: loops first, then every server
/// binds (a bind failure fails the host's start); on stop, servers close their connections
/// gracefully and whatever is still open when the host's shutdown token fires is aborted.
/// </summary>
internal sealed class ReactorHostedService(
    IServiceProvider services,
    ReactorGroup group,
    ReactorServers servers,
    IEnumerable<TcpServerRegistration> registrations,
    IOptionsMonitor<HostedTcpServerOptions> serverOptions) : IHostedService
{
    private readonly ILogger _logger = services.GetService<ILoggerFactory>()?.CreateLogger("ReactorNet.Hosting") ?? NullLogger.Instance;
    private bool _started;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        group.Start();
        _started = true;
        HostingLog.LoopsStarted(_logger, group.Count);
        var started = new Dictionary<string, TcpServer>(StringComparer.Ordinal);
        try
        {
            foreach (TcpServerRegistration registration in registrations)
            {
                cancellationToken.ThrowIfCancellationRequested();
                started.Add(registration.Name, StartServer(registration));
            }
        }
        catch
        {
            // The host does not call StopAsync for a service whose start failed: undo it here.
            foreach (TcpServer server in started.Values)
            {
                server.Dispose();
            }
            await StopLoopsAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        servers.Publish(started);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Dictionary<string, TcpServer> running = servers.Clear();
        await Task.WhenAll(running.Select(s => ShutdownAsync(s.Key, s.Value, cancellationToken))).ConfigureAwait(false);
        await StopLoopsAsync(cancellationToken).ConfigureAwait(false);
    }

    private TcpServer StartServer(TcpServerRegistration registration)
    {
        try
        {
            HostedTcpServerOptions options = serverOptions.Get(registration.Name);
            EndPoint endPoint = options.ToEndPoint();
            Func<IServiceProvider, IConnectionHandler> createHandler = registration.HandlerFactory;
            var server = new TcpServer(group, endPoint, () => createHandler(services), options.ToTcpServerOptions());
            HostingLog.ServerStarted(_logger, registration.Name, server.LocalEndPoint);
            return server;
        }
        catch (Exception ex)
        {
            // The exception itself (a bind error names the call, address and errno) goes to the host
            // unchanged; the log line says which server it was.
            HostingLog.ServerFailed(_logger, registration.Name, ex);
            throw;
        }
    }

    private async Task ShutdownAsync(string name, TcpServer server, CancellationToken cancellationToken)
    {
        // Graceful first: stop accepting, ask every connection to close (output flushed, FIN). The
        // host's token fires when its shutdown timeout passes: then what is left is aborted
        // (CloseReason.Shutdown). Either way every OnClosed has run when this returns.
        ShutdownResult result = await server.ShutdownAsync(cancellationToken).ConfigureAwait(false);
        HostingLog.ServerStopped(_logger, name, result.Closed, result.Aborted);
    }

    private async Task StopLoopsAsync(CancellationToken cancellationToken)
    {
        group.Stop();
        if (!_started)
        {
            return;
        }
        try
        {
            await group.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Out of time: the container disposes the group when the host is disposed.
        }
    }
}
