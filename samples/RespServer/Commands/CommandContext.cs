using ReactorNet.Samples.Resp.Protocol;
using ReactorNet.Samples.Resp.Storage;

namespace ReactorNet.Samples.Resp.Commands;

/// <summary>What a command runs against: the server, the calling client, and where its reply goes.</summary>
public sealed class CommandContext(ServerState server, ClientState client, RespWriter writer)
{
    public ServerState Server { get; } = server;

    public Keyspace Keyspace => Server.Keyspace;

    public ClientState Client { get; } = client;

    public RespWriter Writer { get; } = writer;

    /// <summary>
    /// For a command writing a long reply, before item <paramref name="index"/> of it: true when
    /// the client's replies are refused, so the rest would be thrown away. Asks every 64 items, or
    /// at every large one (<paramref name="itemBytes"/> above <see cref="RespWriter.LargePayload"/>):
    /// the replies written so far are handed to the output first, where a refusal shows.
    /// </summary>
    public bool ClientDropped(int index, int itemBytes = 0)
    {
        if ((index & 63) != 0 && itemBytes <= RespWriter.LargePayload)
        {
            return false;
        }
        Writer.Flush();
        return Client.RepliesRefused();
    }
}
