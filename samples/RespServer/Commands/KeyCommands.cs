using System.Text;
using ReactorNet.Samples.Resp.Protocol;
using ReactorNet.Samples.Resp.Storage;

namespace ReactorNet.Samples.Resp.Commands;

/// <summary>DEL, EXISTS, EXPIRE/PEXPIRE, TTL/PTTL, PERSIST, KEYS, DBSIZE, FLUSHDB/FLUSHALL, SELECT: Redis's db.c and expire.c semantics.</summary>
public static class KeyCommands
{
    private const CommandFlags ReadFast = CommandFlags.ReadOnly | CommandFlags.Fast;

    public static IEnumerable<CommandSpec> All { get; } =
    [
        new("del", -2, CommandFlags.Write, 1, -1, 1, Del),
        new("unlink", -2, CommandFlags.Write | CommandFlags.Fast, 1, -1, 1, Del), // memory is reclaimed by the GC anyway
        new("exists", -2, ReadFast, 1, -1, 1, Exists),
        new("expire", -3, CommandFlags.Write | CommandFlags.Fast, 1, 1, 1, (c, r) => Expire(c, r, 1000, "expire")),
        new("pexpire", -3, CommandFlags.Write | CommandFlags.Fast, 1, 1, 1, (c, r) => Expire(c, r, 1, "pexpire")),
        new("ttl", 2, ReadFast, 1, 1, 1, (c, r) => Ttl(c, r, milliseconds: false)),
        new("pttl", 2, ReadFast, 1, 1, 1, (c, r) => Ttl(c, r, milliseconds: true)),
        new("persist", 2, CommandFlags.Write | CommandFlags.Fast, 1, 1, 1, Persist),
        new("keys", 2, CommandFlags.ReadOnly, 0, 0, 0, Keys),
        new("dbsize", 1, ReadFast, 0, 0, 0, (c, _) => c.Writer.Integer(c.Keyspace.Count)),
        new("flushdb", -1, CommandFlags.Write, 0, 0, 0, Flush),
        new("flushall", -1, CommandFlags.Write, 0, 0, 0, Flush),
        new("select", 2, CommandFlags.Loading | CommandFlags.Stale | CommandFlags.Fast, 0, 0, 0, Select),
    ];

    private static void Del(CommandContext context, RespRequest request)
    {
        long deleted = 0;
        for (int i = 1; i < request.Count; i++)
        {
            if (context.Keyspace.Delete(request[i]))
            {
                deleted++;
            }
        }
        context.Writer.Integer(deleted);
    }

    private static void Exists(CommandContext context, RespRequest request)
    {
        long found = 0;
        for (int i = 1; i < request.Count; i++)
        {
            if (context.Keyspace.Find(request[i]) is not null)
            {
                found++;
            }
        }
        context.Writer.Integer(found);
    }

    /// <summary>EXPIRE key seconds [NX | XX | GT | LT], as Redis 7's expireGenericCommand.</summary>
    private static void Expire(CommandContext context, RespRequest request, long unitMilliseconds, string name)
    {
        bool nx = false, xx = false, gt = false, lt = false;
        for (int j = 3; j < request.Count; j++)
        {
            ReadOnlySpan<byte> option = request[j];
            if (Ascii.EqualsIgnoreCase(option, "NX"u8))
            {
                nx = true;
            }
            else if (Ascii.EqualsIgnoreCase(option, "XX"u8))
            {
                xx = true;
            }
            else if (Ascii.EqualsIgnoreCase(option, "GT"u8))
            {
                gt = true;
            }
            else if (Ascii.EqualsIgnoreCase(option, "LT"u8))
            {
                lt = true;
            }
            else
            {
                context.Writer.Error($"ERR Unsupported option {Errors.Text(option)}");
                return;
            }
        }
        if (nx && (xx || gt || lt))
        {
            context.Writer.Error("ERR NX and XX, GT or LT options at the same time are not compatible");
            return;
        }
        if (gt && lt)
        {
            context.Writer.Error("ERR GT and LT options at the same time are not compatible");
            return;
        }

        if (!RespInteger.TryParse(request[2], out long amount))
        {
            context.Writer.Error(Errors.NotInteger);
            return;
        }
        Keyspace keyspace = context.Keyspace;
        long now = keyspace.Now;
        if (!StringCommands.TryExpiryFromNow(now, amount, unitMilliseconds, out long expiresAt))
        {
            context.Writer.Error(Errors.InvalidExpireTime(name));
            return;
        }

        Keyspace.Entry? entry = keyspace.Find(request[1]);
        if (entry is null)
        {
            context.Writer.Integer(0);
            return;
        }
        bool persistent = entry.ExpiresAt == Keyspace.NoExpiry;
        if ((nx && !persistent) ||
            (xx && persistent) ||
            (gt && (persistent || expiresAt <= entry.ExpiresAt)) || // no expiry counts as infinite
            (lt && !persistent && expiresAt >= entry.ExpiresAt))
        {
            context.Writer.Integer(0);
            return;
        }
        if (expiresAt <= now)
        {
            keyspace.Remove(entry); // a time in the past deletes the key
        }
        else
        {
            keyspace.SetExpiry(entry, expiresAt);
        }
        context.Writer.Integer(1);
    }

    private static void Ttl(CommandContext context, RespRequest request, bool milliseconds)
    {
        Keyspace.Entry? entry = context.Keyspace.Find(request[1]);
        if (entry is null)
        {
            context.Writer.Integer(-2);
            return;
        }
        if (entry.ExpiresAt == Keyspace.NoExpiry)
        {
            context.Writer.Integer(-1);
            return;
        }
        long left = Math.Max(0, entry.ExpiresAt - context.Keyspace.Now);
        context.Writer.Integer(milliseconds ? left : (left + 500) / 1000);
    }

    private static void Persist(CommandContext context, RespRequest request)
    {
        Keyspace.Entry? entry = context.Keyspace.Find(request[1]);
        if (entry is null || entry.ExpiresAt == Keyspace.NoExpiry)
        {
            context.Writer.Integer(0);
            return;
        }
        context.Keyspace.SetExpiry(entry, Keyspace.NoExpiry);
        context.Writer.Integer(1);
    }

    private static void Keys(CommandContext context, RespRequest request)
    {
        ReadOnlySpan<byte> pattern = request[1];
        bool all = pattern.SequenceEqual("*"u8);
        var matches = new List<byte[]>();
        foreach (byte[] key in context.Keyspace.Keys())
        {
            if (all || GlobPattern.IsMatch(pattern, key))
            {
                matches.Add(key);
            }
        }
        context.Writer.ArrayHeader(matches.Count);
        for (int i = 0; i < matches.Count; i++)
        {
            if (context.ClientDropped(i, matches[i].Length))
            {
                return; // the reply is cut, but nobody will read it: the connection is being reset
            }
            context.Writer.Bulk(matches[i]);
        }
    }

    /// <summary>FLUSHDB / FLUSHALL [ASYNC | SYNC]: both empty the one database.</summary>
    private static void Flush(CommandContext context, RespRequest request)
    {
        if (request.Count > 2 || (request.Count == 2 && !Ascii.EqualsIgnoreCase(request[1], "ASYNC"u8) && !Ascii.EqualsIgnoreCase(request[1], "SYNC"u8)))
        {
            context.Writer.Error(Errors.Syntax);
            return;
        }
        context.Keyspace.Flush();
        context.Writer.Ok();
    }

    private static void Select(CommandContext context, RespRequest request)
    {
        if (!RespInteger.TryParse(request[1], out long index))
        {
            context.Writer.Error(Errors.NotInteger);
            return;
        }
        if (index is < int.MinValue or > int.MaxValue)
        {
            context.Writer.Error(Errors.NotInt32); // Redis's getIntFromObjectOrReply
            return;
        }
        if (index != 0)
        {
            context.Writer.Error(Errors.DbIndexOutOfRange);
            return;
        }
        context.Writer.Ok();
    }
}
