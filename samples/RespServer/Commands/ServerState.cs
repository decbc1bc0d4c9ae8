using ReactorNet.Samples.Resp.Storage;

namespace ReactorNet.Samples.Resp.Commands;

/// <summary>
/// The state every connection shares: the keyspace and the counters INFO reports. With several
/// loops, <see cref="Gate"/> serialises commands: each command runs whole under it, so every
/// command is atomic and each client's commands keep their order.
/// </summary>
public sealed class ServerState(Keyspace keyspace)
{
    private long _lastClientId;
    private int _connectedClients;
    private long _commandsProcessed;

    public Keyspace Keyspace { get; } = keyspace;

    /// <summary>Taken around every batch of commands and around active expiry.</summary>
    public object Gate { get; } = new();

    /// <summary>The TCP port INFO reports (0 until the server is bound).</summary>
    public int Port { get; set; }

    public long StartedAt { get; } = Environment.TickCount64;

    public int ConnectedClients => Volatile.Read(ref _connectedClients);

    public long CommandsProcessed => Interlocked.Read(ref _commandsProcessed);

    public ClientState Connect(string address)
    {
        Interlocked.Increment(ref _connectedClients);
        return new ClientState(Interlocked.Increment(ref _lastClientId), address);
    }

    public void Disconnect() => Interlocked.Decrement(ref _connectedClients);

    /// <summary>Called under <see cref="Gate"/>.</summary>
    internal void CountCommand() => _commandsProcessed++;
}
