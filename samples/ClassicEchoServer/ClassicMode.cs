using System.Net;
using Microsoft.Extensions.Logging;
using ReactorNet.Samples.Common;

namespace ReactorNet.Samples.Classic;

/// <summary>Which textbook server <c>--mode</c> picks.</summary>
public enum ClassicMode
{
    /// <summary><see cref="BlockingEchoServer"/>: one client at a time.</summary>
    Blocking,

    /// <summary><see cref="ThreadPerConnectionEchoServer"/>: a thread per client.</summary>
    Threaded,
}

public static class ClassicModes
{
    public static ClassicEchoServer CreateServer(this ClassicMode mode, IPEndPoint endPoint, EchoProtocol? protocol = null, ILogger? logger = null, int backlog = EchoServerOptions.DefaultBacklog) =>
        mode switch
        {
            ClassicMode.Blocking => new BlockingEchoServer(endPoint, protocol, logger, backlog),
            ClassicMode.Threaded => new ThreadPerConnectionEchoServer(endPoint, protocol, logger, backlog),
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
        };

    /// <summary>Parses the value of <c>--mode</c>.</summary>
    /// <exception cref="CommandLineException">Neither "blocking" nor "threaded".</exception>
    public static ClassicMode Parse(string option, string value) =>
        OptionValues.Choice(option, value, "blocking", "threaded") == "blocking" ? ClassicMode.Blocking : ClassicMode.Threaded;

    public static string DisplayName(this ClassicMode mode) =>
        mode == ClassicMode.Blocking ? "blocking echo server" : "thread-per-connection echo server";
}
