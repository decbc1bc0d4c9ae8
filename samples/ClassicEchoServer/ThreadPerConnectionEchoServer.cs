using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using ReactorNet.Samples.Common;

namespace ReactorNet.Samples.Classic;

/// <summary>
/// One dedicated <see cref="Thread"/> per connection — deliberately not the thread pool, whose
/// threads would be stuck in blocking calls and starve everything else. It serves many clients
/// at once and pays for each with a thread: its stack, its scheduling, its context switches.
/// </summary>
public sealed class ThreadPerConnectionEchoServer : ClassicEchoServer
{
    /// <summary>
    /// The serve loop is shallow; a small stack lets thousands of connections fit where the 8 MiB
    /// default would reserve gigabytes of address space.
    /// </summary>
    private const int StackSize = 256 * 1024;

    public ThreadPerConnectionEchoServer(IPEndPoint endPoint, EchoProtocol? protocol = null, ILogger? logger = null, int backlog = EchoServerOptions.DefaultBacklog)
        : base(endPoint, protocol, logger, backlog)
    {
    }

    protected override void OnAccepted(Socket client)
    {
        var thread = new Thread(() => Serve(client), StackSize) { IsBackground = true, Name = "echo-client" };
        try
        {
            thread.Start();
        }
        catch (Exception ex) when (ex is OutOfMemoryException or ThreadStartException)
        {
            // No thread to be had: turn this client away but keep serving the others.
            SampleLog.AcceptFailed(Logger, $"no thread for a new connection: {ex.Message}");
            Abandon(client);
        }
    }
}
