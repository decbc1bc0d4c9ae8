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
}
