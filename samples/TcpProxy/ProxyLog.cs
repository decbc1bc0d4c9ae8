using System.Net;
using Microsoft.Extensions.Logging;

namespace ReactorNet.Samples.Proxy;

/// <summary>The proxy's own log messages (per connection, so at Debug).</summary>
internal static partial class ProxyLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Debug, Message = "Client {Client}: connecting to upstream {Upstream} failed: {Reason}")]
    public static partial void UpstreamFailed(ILogger logger, EndPoint? client, EndPoint upstream, string reason);
}
