using System.Text;
using ReactorNet.Samples.Resp.Protocol;

namespace ReactorNet.Samples.Resp.Commands;

/// <summary>Runs one command: the request's arguments and the context to reply into.</summary>
public delegate void CommandHandler(CommandContext context, RespRequest request);

/// <summary>
/// A command as Redis describes it. <see cref="Arity"/> counts the name: N means exactly N
/// arguments, -N at least N.
/// </summary>
public sealed record CommandSpec(string Name, int Arity, CommandFlags Flags, int FirstKey, int LastKey, int Step, CommandHandler Handler)
{
    public bool AcceptsArgumentCount(int count) => Arity >= 0 ? count == Arity : count >= -Arity;
}

/// <summary>
/// The command table: looks the name up without case and without allocating, checks arity and
/// maxmemory as Redis's <c>processCommand</c> does (same order, same errors), then runs it.
/// </summary>
public sealed class CommandTable
{
    private readonly Dictionary<string, CommandSpec> _commands = new(AsciiNameComparer.Instance);
    private readonly Dictionary<string, CommandSpec>.AlternateLookup<ReadOnlySpan<byte>> _lookup;

    public CommandTable(IEnumerable<CommandSpec> commands)
    {
        ArgumentNullException.ThrowIfNull(commands);
        _lookup = _commands.GetAlternateLookup<ReadOnlySpan<byte>>();
        foreach (CommandSpec command in commands)
        {
            _commands.Add(command.Name, command);
        }
    }

    /// <summary>Every command this server implements.</summary>
    public static CommandTable Default { get; } = new(
        StringCommands.All
            .Concat(KeyCommands.All)
            .Concat(ConnectionCommands.All)
            .Concat(ServerCommands.All));

    public IReadOnlyCollection<CommandSpec> Commands => _commands.Values;

    public CommandSpec? Find(ReadOnlySpan<byte> name) => _lookup.TryGetValue(name, out CommandSpec? spec) ? spec : null;

    /// <summary>Runs <paramref name="request"/>; the caller holds <see cref="ServerState.Gate"/>. An empty request does nothing.</summary>
    public void Execute(CommandContext context, RespRequest request)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (request.Count == 0)
        {
            return;
        }
        context.Server.CountCommand();
        ReadOnlySpan<byte> name = request[0];
        if (!_lookup.TryGetValue(name, out CommandSpec? spec))
        {
            context.Writer.Error(Errors.UnknownCommand(name, request));
            return;
        }
        if (!spec.AcceptsArgumentCount(request.Count))
        {
            context.Writer.Error(Errors.WrongArity(spec.Name));
            return;
        }
        if ((spec.Flags & CommandFlags.DenyOom) != 0 && context.Keyspace.IsOverMemoryLimit)
        {
            context.Writer.Error(Errors.OutOfMemory);
            return;
        }
        spec.Handler(context, request);
    }

    /// <summary>Command names are ASCII and compared without case; stored lower-case.</summary>
    private sealed class AsciiNameComparer : IEqualityComparer<string>, IAlternateEqualityComparer<ReadOnlySpan<byte>, string>
    {
        public static readonly AsciiNameComparer Instance = new();

        public bool Equals(string? x, string? y) => string.Equals(x, y, StringComparison.OrdinalIgnoreCase);

        public int GetHashCode(string obj)
        {
            int hash = 0;
            foreach (char c in obj)
            {
                hash = (hash * 31) + (c | 0x20);
            }
            return hash;
        }

        public bool Equals(ReadOnlySpan<byte> alternate, string other)
        {
            if (alternate.Length != other.Length)
            {
                return false;
            }
            for (int i = 0; i < alternate.Length; i++)
            {
                if ((alternate[i] | 0x20) != (other[i] | 0x20) || alternate[i] > 127)
                {
                    return false;
                }
            }
            return true;
        }

        public int GetHashCode(ReadOnlySpan<byte> alternate)
        {
            int hash = 0;
            foreach (byte c in alternate)
            {
                hash = (hash * 31) + (c | 0x20);
            }
            return hash;
        }

        public string Create(ReadOnlySpan<byte> alternate) => Encoding.ASCII.GetString(alternate).ToLowerInvariant();
    }
}
