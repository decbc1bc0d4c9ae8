namespace ReactorNet.Tcp;

/// <summary>How a <see cref="TcpServer"/> spreads connections over a <see cref="ReactorGroup"/>.</summary>
public enum LoadBalancing
{
    /// <summary>Each new connection goes to the next loop in turn.</summary>
    RoundRobin,

    /// <summary>Each new connection goes to the loop with the fewest open connections.</summary>
    LeastConnections,
}

/// <summary>Listener settings for a <see cref="TcpServer"/>.</summary>
public sealed class TcpServerOptions
{
    /// <summary>
    /// The accept-queue length passed to <c>listen()</c> (default 4096, SOMAXCONN). The kernel
    /// silently uses min(backlog, <c>net.core.somaxconn</c>) for the queue of completed handshakes;
    /// half-open connections (SYN received) wait in a separate queue sized by
    /// <c>net.ipv4.tcp_max_syn_backlog</c>.
    /// </summary>
    public int Backlog { get; init; } = 4096;

    /// <summary>SO_REUSEADDR (default true): a restarted server can bind while old connections sit in TIME_WAIT.</summary>
    public bool ReuseAddress { get; init; } = true;

    /// <summary>
    /// SO_REUSEPORT (default false). On a <see cref="ReactorGroup"/> this gives every loop its own
    /// listening socket on the same port and lets the kernel spread incoming connections.
    /// </summary>
    public bool ReusePort { get; init; }

    /// <summary>For an IPv6 wildcard address, also accept IPv4 (IPV6_V6ONLY off). Default true.</summary>
    public bool DualMode { get; init; } = true;

    /// <summary>Refuse (RST) connections beyond this many open ones; 0 (default) means no limit.</summary>
    public int MaxConnections { get; init; }

    /// <summary>At most this many accepts per readiness event, so a connect storm cannot starve established connections (default 64).</summary>
    public int MaxAcceptsPerWake { get; init; } = 64;

    /// <summary>How connections are spread over a group's loops (default round-robin).</summary>
    public LoadBalancing LoadBalancing { get; init; } = LoadBalancing.RoundRobin;

    /// <summary>Settings of every accepted connection.</summary>
    public TcpConnectionOptions Connection { get; init; } = TcpConnectionOptions.Default;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Backlog, 1, nameof(Backlog));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxConnections, nameof(MaxConnections));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAcceptsPerWake, 1, nameof(MaxAcceptsPerWake));
        ArgumentNullException.ThrowIfNull(Connection);
        Connection.Validate();
    }
}
