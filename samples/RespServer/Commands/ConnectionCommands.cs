using System.Text;
using ReactorNet.Samples.Resp.Protocol;

namespace ReactorNet.Samples.Resp.Commands;

/// <summary>PING, ECHO, QUIT, HELLO, CLIENT: what clients send while connecting.</summary>
public static class ConnectionCommands
{
    private const CommandFlags Always = CommandFlags.Fast | CommandFlags.Loading | CommandFlags.Stale;

    /// <summary>The Redis version this server reports (INFO, HELLO): clients enable features by it.</summary>
    public const string RedisVersion = "7.2.0";

    public static IEnumerable<CommandSpec> All { get; } =
    [
        new("ping", -1, Always, 0, 0, 0, Ping),
        new("echo", 2, CommandFlags.Fast, 0, 0, 0, (c, r) => c.Writer.Bulk(r[1])),
        new("quit", -1, Always, 0, 0, 0, Quit),
        new("hello", -1, Always, 0, 0, 0, Hello),
        new("client", -2, CommandFlags.Loading | CommandFlags.Stale, 0, 0, 0, Client),
    ];

    private static void Ping(CommandContext context, RespRequest request)
    {
        if (request.Count > 2)
        {
            context.Writer.Error(Errors.WrongArity("ping"));
        }
        else if (request.Count == 2)
        {
            context.Writer.Bulk(request[1]);
        }
        else
        {
            context.Writer.SimpleString("PONG"u8);
        }
    }

    private static void Quit(CommandContext context, RespRequest request)
    {
        context.Writer.Ok();
        context.Client.CloseAfterReply = true;
    }

    /// <summary>HELLO [protover [AUTH username password] [SETNAME clientname]]: RESP2 only, so 3 gets -NOPROTO.</summary>
    private static void Hello(CommandContext context, RespRequest request)
    {
        if (request.Count >= 2)
        {
            if (!RespInteger.TryParse(request[1], out long version))
            {
                context.Writer.Error(Errors.ProtocolVersionNotInteger);
                return;
            }
            if (version != 2)
            {
                context.Writer.Error(Errors.NoProto);
                return;
            }
        }

        string? name = null;
        for (int j = 2; j < request.Count; j++)
        {
            int more = request.Count - j - 1;
            if (Ascii.EqualsIgnoreCase(request[j], "AUTH"u8) && more >= 2)
            {
                j += 2; // no password is configured: every client is the default user
            }
            else if (Ascii.EqualsIgnoreCase(request[j], "SETNAME"u8) && more >= 1)
            {
                name = Errors.Text(request[++j]);
                if (!IsValidName(name))
                {
                    context.Writer.Error(Errors.BadClientName);
                    return;
                }
            }
            else
            {
                context.Writer.Error($"ERR Syntax error in HELLO option '{Errors.Text(request[j])}'");
                return;
            }
        }
        if (name is not null)
        {
            context.Client.Name = name;
        }

        RespWriter writer = context.Writer;
        writer.ArrayHeader(14);
        writer.Bulk("server"u8);
        writer.Bulk("redis"u8);
        writer.Bulk("version"u8);
        writer.Bulk(RedisVersion);
        writer.Bulk("proto"u8);
        writer.Integer(2);
        writer.Bulk("id"u8);
        writer.Integer(context.Client.Id);
        writer.Bulk("mode"u8);
        writer.Bulk("standalone"u8);
        writer.Bulk("role"u8);
        writer.Bulk("master"u8);
        writer.Bulk("modules"u8);
        writer.ArrayHeader(0);
    }

    /// <summary>CLIENT SETNAME | GETNAME | ID | INFO | SETINFO.</summary>
    private static void Client(CommandContext context, RespRequest request)
    {
        ReadOnlySpan<byte> sub = request[1];
        ClientState client = context.Client;
        if (Ascii.EqualsIgnoreCase(sub, "SETNAME"u8))
        {
            if (request.Count != 3)
            {
                context.Writer.Error(Errors.WrongArity("client|setname"));
                return;
            }
            string name = Errors.Text(request[2]);
            if (!IsValidName(name))
            {
                context.Writer.Error(Errors.BadClientName);
                return;
            }
            client.Name = name;
            context.Writer.Ok();
        }
        else if (Ascii.EqualsIgnoreCase(sub, "GETNAME"u8))
        {
            if (request.Count != 2)
            {
                context.Writer.Error(Errors.WrongArity("client|getname"));
            }
            else if (client.Name.Length == 0)
            {
                context.Writer.Null();
            }
            else
            {
                context.Writer.Bulk(client.Name);
            }
        }
        else if (Ascii.EqualsIgnoreCase(sub, "ID"u8))
        {
            if (request.Count != 2)
            {
                context.Writer.Error(Errors.WrongArity("client|id"));
                return;
            }
            context.Writer.Integer(client.Id);
        }
        else if (Ascii.EqualsIgnoreCase(sub, "INFO"u8))
        {
            if (request.Count != 2)
            {
                context.Writer.Error(Errors.WrongArity("client|info"));
                return;
            }
            context.Writer.Bulk($"id={client.Id} addr={client.Address} name={client.Name} db=0 lib-name={client.LibraryName} lib-ver={client.LibraryVersion} resp=2\n");
        }
        else if (Ascii.EqualsIgnoreCase(sub, "SETINFO"u8))
        {
            if (request.Count != 4)
            {
                context.Writer.Error(Errors.WrongArity("client|setinfo"));
                return;
            }
            string value = Errors.Text(request[3]);
            if (Ascii.EqualsIgnoreCase(request[2], "LIB-NAME"u8))
            {
                if (!IsValidName(value))
                {
                    context.Writer.Error("ERR lib-name cannot contain spaces, newlines or special characters.");
                    return;
                }
                client.LibraryName = value;
            }
            else if (Ascii.EqualsIgnoreCase(request[2], "LIB-VER"u8))
            {
                if (!IsValidName(value))
                {
                    context.Writer.Error("ERR lib-ver cannot contain spaces, newlines or special characters.");
                    return;
                }
                client.LibraryVersion = value;
            }
            else
            {
                context.Writer.Error($"ERR Unrecognized option '{Errors.Text(request[2])}'");
                return;
            }
            context.Writer.Ok();
        }
        else
        {
            context.Writer.Error(Errors.UnknownSubcommand(sub, "client"));
        }
    }

    /// <summary>Redis: printable ASCII without spaces (so CLIENT LIST stays parseable).</summary>
    private static bool IsValidName(string name)
    {
        foreach (char c in name)
        {
            if (c < '!' || c > '~')
            {
                return false;
            }
        }
        return true;
    }
}
