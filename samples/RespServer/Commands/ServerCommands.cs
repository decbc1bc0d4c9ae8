using System.Globalization;
using System.Text;
using ReactorNet.Samples.Resp.Protocol;
using ReactorNet.Samples.Resp.Storage;

namespace ReactorNet.Samples.Resp.Commands;

/// <summary>COMMAND, INFO, CONFIG GET: enough for redis-cli, redis-benchmark and StackExchange.Redis to learn what they talk to.</summary>
public static class ServerCommands
{
    public static IEnumerable<CommandSpec> All { get; } =
    [
        new("command", -1, CommandFlags.Loading | CommandFlags.Stale, 0, 0, 0, Command),
        new("info", -1, CommandFlags.Loading | CommandFlags.Stale, 0, 0, 0, Info),
        new("config", -2, CommandFlags.Admin | CommandFlags.Loading | CommandFlags.Stale, 0, 0, 0, Config),
    ];

    /// <summary>COMMAND | COMMAND COUNT | COMMAND INFO name... | COMMAND DOCS [name...]</summary>
    private static void Command(CommandContext context, RespRequest request)
    {
        CommandTable table = CommandTable.Default;
        RespWriter writer = context.Writer;
        if (request.Count == 1)
        {
            writer.ArrayHeader(table.Commands.Count);
            foreach (CommandSpec spec in table.Commands)
            {
                WriteInfo(writer, spec);
            }
            return;
        }

        ReadOnlySpan<byte> sub = request[1];
        if (Ascii.EqualsIgnoreCase(sub, "COUNT"u8) && request.Count == 2)
        {
            writer.Integer(table.Commands.Count);
        }
        else if (Ascii.EqualsIgnoreCase(sub, "INFO"u8))
        {
            writer.ArrayHeader(request.Count - 2);
            for (int i = 2; i < request.Count; i++)
            {
                CommandSpec? spec = table.Find(request[i]);
                if (spec is null)
                {
                    writer.NullArray();
                }
                else
                {
                    WriteInfo(writer, spec);
                }
            }
        }
        else if (Ascii.EqualsIgnoreCase(sub, "DOCS"u8))
        {
            writer.ArrayHeader(0); // no documentation here: clients fall back to their own help
        }
        else
        {
            writer.Error(Errors.UnknownSubcommand(sub, "command"));
        }
    }

    /// <summary>Redis 7's RESP2 command info: name, arity, flags, first key, last key, step, ACL categories, tips, key specs, subcommands.</summary>
    private static void WriteInfo(RespWriter writer, CommandSpec spec)
    {
        writer.ArrayHeader(10);
        writer.Bulk(spec.Name);
        writer.Integer(spec.Arity);
        var flags = new List<string>();
        foreach ((CommandFlags flag, string name) in FlagNames)
        {
            if ((spec.Flags & flag) != 0)
            {
                flags.Add(name);
            }
        }
        writer.ArrayHeader(flags.Count);
        foreach (string flag in flags)
        {
            writer.SimpleString(Encoding.ASCII.GetBytes(flag));
        }
        writer.Integer(spec.FirstKey);
        writer.Integer(spec.LastKey);
        writer.Integer(spec.Step);
        writer.ArrayHeader(0);
        writer.ArrayHeader(0);
        writer.ArrayHeader(0);
        writer.ArrayHeader(0);
    }

    private static readonly (CommandFlags Flag, string Name)[] FlagNames =
    [
        (CommandFlags.Write, "write"),
        (CommandFlags.ReadOnly, "readonly"),
        (CommandFlags.DenyOom, "denyoom"),
        (CommandFlags.Admin, "admin"),
        (CommandFlags.Loading, "loading"),
        (CommandFlags.Stale, "stale"),
        (CommandFlags.Fast, "fast"),
    ];

    /// <summary>INFO [section ...]: server, clients, memory, stats, replication, keyspace.</summary>
    private static void Info(CommandContext context, RespRequest request)
    {
        var sections = new List<string>();
        for (int i = 1; i < request.Count; i++)
        {
            sections.Add(Errors.Text(request[i]).ToLowerInvariant());
        }
        bool all = sections.Count == 0 || sections.Exists(s => s is "all" or "default" or "everything");
        bool Wants(string section) => all || sections.Contains(section);

        ServerState server = context.Server;
        Keyspace keyspace = context.Keyspace;
        var text = new StringBuilder();
        void Section(string title) => text.Append(text.Length == 0 ? "" : "\r\n").Append("# ").Append(title).Append("\r\n");
        void Field(string name, object value) => text.Append(name).Append(':').Append(Convert.ToString(value, CultureInfo.InvariantCulture)).Append("\r\n");

        if (Wants("server"))
        {
            Section("Server");
            Field("redis_version", ConnectionCommands.RedisVersion);
            Field("redis_mode", "standalone");
            Field("server_name", "RespServer (ReactorNet)");
            Field("os", System.Runtime.InteropServices.RuntimeInformation.OSDescription);
            Field("arch_bits", IntPtr.Size * 8);
            Field("process_id", Environment.ProcessId);
            Field("tcp_port", server.Port);
            Field("uptime_in_seconds", (Environment.TickCount64 - server.StartedAt) / 1000);
        }
        if (Wants("clients"))
        {
            Section("Clients");
            Field("connected_clients", server.ConnectedClients);
        }
        if (Wants("memory"))
        {
            Section("Memory");
            Field("used_memory", keyspace.UsedMemory);
            Field("maxmemory", keyspace.MaxMemory);
            Field("maxmemory_policy", "noeviction");
        }
        if (Wants("stats"))
        {
            Section("Stats");
            Field("total_commands_processed", server.CommandsProcessed);
        }
        if (Wants("replication"))
        {
            Section("Replication");
            Field("role", "master");
            Field("connected_slaves", 0);
        }
        if (Wants("keyspace"))
        {
            Section("Keyspace");
            if (keyspace.Count > 0)
            {
                Field("db0", $"keys={keyspace.Count},expires={keyspace.VolatileCount},avg_ttl=0");
            }
        }
        context.Writer.Bulk(text.ToString());
    }

    /// <summary>CONFIG GET pattern [pattern ...]: name/value pairs of a fixed, read-only configuration.</summary>
    private static void Config(CommandContext context, RespRequest request)
    {
        ReadOnlySpan<byte> sub = request[1];
        if (!Ascii.EqualsIgnoreCase(sub, "GET"u8))
        {
            context.Writer.Error(Errors.UnknownSubcommand(sub, "config"));
            return;
        }
        if (request.Count < 3)
        {
            context.Writer.Error(Errors.WrongArity("config|get"));
            return;
        }

        var pairs = new List<(string Name, string Value)>();
        foreach ((string name, string value) in Configuration(context))
        {
            for (int i = 2; i < request.Count; i++)
            {
                if (GlobPattern.IsMatch(request[i], Encoding.ASCII.GetBytes(name), ignoreCase: true))
                {
                    pairs.Add((name, value));
                    break;
                }
            }
        }
        context.Writer.ArrayHeader(pairs.Count * 2);
        foreach ((string name, string value) in pairs)
        {
            context.Writer.Bulk(name);
            context.Writer.Bulk(value);
        }
    }

    private static IEnumerable<(string Name, string Value)> Configuration(CommandContext context) =>
    [
        ("maxmemory", context.Keyspace.MaxMemory.ToString(CultureInfo.InvariantCulture)),
        ("maxmemory-policy", "noeviction"),
        ("databases", "1"),
        ("port", context.Server.Port.ToString(CultureInfo.InvariantCulture)),
        ("save", ""),
        ("appendonly", "no"),
        ("timeout", "0"),
        ("proto-max-bulk-len", RespParser.MaxBulkLength.ToString(CultureInfo.InvariantCulture)),
        ("cluster-enabled", "no"),
        ("slave-read-only", "yes"),
        ("replica-read-only", "yes"),
    ];
}
