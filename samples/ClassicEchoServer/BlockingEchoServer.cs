using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using ReactorNet.Samples.Common;

namespace ReactorNet.Samples.Classic;

/// <summary>
/// The textbook server: one thread accepts a client, serves it until it leaves, then accepts the
/// next. Whoever connects meanwhile waits in the listen backlog — connected, but unanswered.
/// </summary>
public sealed class BlockingEchoServer : ClassicEchoServer
{
    public BlockingEchoServer(IPEndPoint endPoint, EchoProtocol? protocol = null, ILogger? logger = null, int backlog = EchoServerOptions.DefaultBacklog)
        : base(endPoint, protocol, logger, backlog)
    {
    }

    /// <summary>Serves on the accept thread itself: no next accept until this client is gone.</summary>
    protected override void OnAccepted(Socket client) => Serve(client);
}
