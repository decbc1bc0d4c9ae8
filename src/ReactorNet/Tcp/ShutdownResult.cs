namespace ReactorNet.Tcp;

/// <summary>What <see cref="TcpServer.ShutdownAsync(CancellationToken)"/> did.</summary>
public sealed class ShutdownResult
{
    internal ShutdownResult(int closed, int aborted)
    {
        Closed = closed;
        Aborted = aborted;
    }

    /// <summary>Connections that closed during the grace period (gracefully, or for any other reason of their own).</summary>
    public int Closed { get; }

    /// <summary>Connections still open when the grace period ended, aborted with <see cref="CloseReason.Shutdown"/>.</summary>
    public int Aborted { get; }

    /// <summary>Whether every connection finished within the grace period.</summary>
    public bool IsComplete => Aborted == 0;

    /// <inheritdoc />
    public override string ToString() => $"{Closed} closed, {Aborted} aborted";
}
