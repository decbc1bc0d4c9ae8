namespace ReactorNet.Samples.Resp.Server;

/// <summary>Per-client bounds, so that nothing a client sends can grow server memory without limit.</summary>
public sealed record RespLimits
{
    /// <summary>Unconsumed input (a request not complete yet) above this disconnects the client (Redis's client-query-buffer-limit, 1 GiB).</summary>
    public int MaxQueryBufferBytes { get; init; } = 1 << 30;

    /// <summary>
    /// Replies waiting to be sent above this disconnect the client (Redis's client-output-buffer-limit
    /// hard limit). Large enough for one maximal (512 MiB) value.
    /// </summary>
    public int MaxPendingReplyBytes { get; init; } = 1 << 30;
}
