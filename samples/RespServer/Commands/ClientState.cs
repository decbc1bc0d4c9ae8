namespace ReactorNet.Samples.Resp.Commands;

/// <summary>What the server knows about one client (CLIENT SETNAME, SETINFO, QUIT).</summary>
public sealed class ClientState(long id, string address)
{
    public long Id { get; } = id;

    /// <summary>The peer's address as CLIENT INFO prints it.</summary>
    public string Address { get; } = address;

    public string Name { get; set; } = string.Empty;

    public string LibraryName { get; set; } = string.Empty;

    public string LibraryVersion { get; set; } = string.Empty;

    /// <summary>
    /// True once the transport refuses this client's replies (its output limit was passed, or it is
    /// closing): a command producing a long reply stops there, since nobody will receive the rest.
    /// </summary>
    public Func<bool> RepliesRefused { get; set; } = static () => false;

    /// <summary>Set by QUIT or a protocol error: the connection closes once the replies so far are sent.</summary>
    public bool CloseAfterReply { get; set; }
}
