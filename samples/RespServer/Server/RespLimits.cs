namespace ReactorNet.Samples.Resp.Server;

/// <summary>Per-client bounds, so that nothing a client sends can grow server memory without limit.</summary>
public sealed record RespLimits
{
    /// <summary>
    /// Unconsumed input (a request not complete yet, kept by the transport) above this disconnects
    /// the client (Redis's client-query-buffer-limit, 1 GiB).
    /// </summary>
    public int MaxQueryBufferBytes { get; init; } = 1 << 30;

    /// <summary>
    /// Replies the kernel has not taken yet above this disconnect the client the moment they pass it
    /// (Redis's client-output-buffer-limit hard limit). Large enough for one maximal (512 MiB)
    /// value. A pipeline stops at the high-water mark (256 KiB, or this limit if lower) until the
    /// client has read, so only the reply of one command can carry a client past the limit.
    /// </summary>
    public int MaxPendingReplyBytes { get; init; } = 1 << 30;
}
