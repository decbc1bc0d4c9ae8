using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ReactorNet.Tcp;

namespace ReactorNet.Hosting;

/// <summary>
/// One hosted TCP server: where it listens and how. Bound from the configuration section
/// <c>ReactorNet:Servers:NAME</c> (named options, NAME being the server's name), then changed by
/// the <c>configure</c> delegate given at registration. A setting left unset
/// (<see langword="null"/>) keeps the library's default from <see cref="TcpServerOptions"/>.
/// </summary>
public sealed class HostedTcpServerOptions
{
    /// <summary>
    /// The address to listen on (default <c>127.0.0.1</c>): an IP address such as <c>0.0.0.0</c>,
    /// <c>::1</c> or <c>::</c>, <c>localhost</c> (127.0.0.1), or <c>*</c> (every interface, IPv4 and
    /// IPv6). Ignored when <see cref="UnixSocketPath"/> is set.
    /// </summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>The TCP port; 0 (default) lets the kernel pick a free one (see <see cref="TcpServer.LocalEndPoint"/>).</summary>
    public int Port { get; set; }

    /// <summary>When set, listen on this Unix domain socket path instead of <see cref="Host"/> and <see cref="Port"/>.</summary>
    public string? UnixSocketPath { get; set; }

    /// <summary>See <see cref="TcpServerOptions.Backlog"/>.</summary>
    public int? Backlog { get; set; }

    /// <summary>See <see cref="TcpServerOptions.ReuseAddress"/>.</summary>
    public bool? ReuseAddress { get; set; }

    /// <summary>See <see cref="TcpServerOptions.ReusePort"/>.</summary>
    public bool? ReusePort { get; set; }

    /// <summary>See <see cref="TcpServerOptions.DualMode"/>.</summary>
    public bool? DualMode { get; set; }

    /// <summary>See <see cref="TcpServerOptions.MaxConnections"/>.</summary>
    public int? MaxConnections { get; set; }

    /// <summary>See <see cref="TcpServerOptions.MaxAcceptsPerWake"/>.</summary>
    public int? MaxAcceptsPerWake { get; set; }

    /// <summary>See <see cref="TcpServerOptions.LoadBalancing"/> (configuration: <c>RoundRobin</c> or <c>LeastConnections</c>).</summary>
    public LoadBalancing? LoadBalancing { get; set; }

    /// <summary>Settings of every accepted connection.</summary>
    public HostedTcpConnectionOptions Connection { get; set; } = new();

    /// <summary>The address these settings name.</summary>
    /// <returns>A <see cref="UnixDomainSocketEndPoint"/> or an <see cref="IPEndPoint"/>.</returns>
    /// <exception cref="InvalidOperationException"><see cref="Host"/> is not an address or <see cref="Port"/> is out of range.</exception>
    public EndPoint ToEndPoint()
    {
        if (!string.IsNullOrEmpty(UnixSocketPath))
        {
            return new UnixDomainSocketEndPoint(UnixSocketPath);
        }
        if (Port is < IPEndPoint.MinPort or > IPEndPoint.MaxPort)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Port {Port} is out of range (0-65535)."));
        }
        return new IPEndPoint(ParseHost(Host), Port);
    }

    /// <summary>The library options these settings describe.</summary>
    /// <returns>A new <see cref="TcpServerOptions"/>.</returns>
    public TcpServerOptions ToTcpServerOptions()
    {
        var defaults = new TcpServerOptions();
        return new TcpServerOptions
        {
            Backlog = Backlog ?? defaults.Backlog,
            ReuseAddress = ReuseAddress ?? defaults.ReuseAddress,
            ReusePort = ReusePort ?? defaults.ReusePort,
            DualMode = DualMode ?? defaults.DualMode,
            MaxConnections = MaxConnections ?? defaults.MaxConnections,
            MaxAcceptsPerWake = MaxAcceptsPerWake ?? defaults.MaxAcceptsPerWake,
            LoadBalancing = LoadBalancing ?? defaults.LoadBalancing,
            Connection = (Connection ?? new HostedTcpConnectionOptions()).ToTcpConnectionOptions(),
        };
    }

    private static IPAddress ParseHost(string? host)
    {
        // No DNS here: a server binds an address, and a name that resolves differently tomorrow
        // (or to several addresses) is a deployment surprise. "localhost" is the one exception.
        switch (host)
        {
            case null or "":
                return IPAddress.Loopback;
            case "*":
                return IPAddress.IPv6Any;
            case var _ when string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase):
                return IPAddress.Loopback;
        }
        return IPAddress.TryParse(host, out IPAddress? address)
            ? address
            : throw new InvalidOperationException($"Host '{host}' is not an IP address; use an address such as 127.0.0.1, ::1 or 0.0.0.0, 'localhost', '*' for every interface, or set UnixSocketPath.");
    }
}
