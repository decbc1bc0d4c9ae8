using System.Buffers.Text;
using System.Text;
using ReactorNet.Samples.Resp.Protocol;
using ReactorNet.Samples.Resp.Storage;

namespace ReactorNet.Samples.Resp.Commands;

/// <summary>GET, SET, GETDEL, INCR/DECR[BY], APPEND, STRLEN, MGET, MSET: Redis's t_string.c semantics.</summary>
public static class StringCommands
{
    private const CommandFlags WriteOom = CommandFlags.Write | CommandFlags.DenyOom;
    private const CommandFlags ReadFast = CommandFlags.ReadOnly | CommandFlags.Fast;

    public static IEnumerable<CommandSpec> All { get; } =
    [
        new("get", 2, ReadFast, 1, 1, 1, Get),
        new("set", -3, WriteOom, 1, 1, 1, Set),
        new("setnx", 3, WriteOom | CommandFlags.Fast, 1, 1, 1, SetNx),
        new("setex", 4, WriteOom, 1, 1, 1, (c, r) => SetEx(c, r, 1000, "setex")),
        new("psetex", 4, WriteOom, 1, 1, 1, (c, r) => SetEx(c, r, 1, "psetex")),
        new("getdel", 2, CommandFlags.Write | CommandFlags.Fast, 1, 1, 1, GetDel),
        new("incr", 2, WriteOom | CommandFlags.Fast, 1, 1, 1, (c, r) => IncrementBy(c, r[1], 1)),
        new("decr", 2, WriteOom | CommandFlags.Fast, 1, 1, 1, (c, r) => IncrementBy(c, r[1], -1)),
        new("incrby", 3, WriteOom | CommandFlags.Fast, 1, 1, 1, IncrBy),
        new("decrby", 3, WriteOom | CommandFlags.Fast, 1, 1, 1, DecrBy),
        new("append", 3, WriteOom, 1, 1, 1, Append),
        new("strlen", 2, ReadFast, 1, 1, 1, Strlen),
        new("mget", -2, ReadFast, 1, -1, 1, MGet),
        new("mset", -3, WriteOom, 1, -1, 2, MSet),
    ];

    private static void Get(CommandContext context, RespRequest request)
    {
        Keyspace.Entry? entry = context.Keyspace.Find(request[1]);
        if (entry is null)
        {
            context.Writer.Null();
        }
        else
        {
            context.Writer.Bulk(entry.Value);
        }
    }

    /// <summary>SET key value [NX | XX] [GET] [EX seconds | PX milliseconds | KEEPTTL]</summary>
    private static void Set(CommandContext context, RespRequest request)
    {
        bool nx = false, xx = false, get = false, keepTtl = false;
        int expireIndex = -1;
        long unitMilliseconds = 0;
        for (int j = 3; j < request.Count; j++)
        {
            ReadOnlySpan<byte> option = request[j];
            bool hasNext = j + 1 < request.Count;
            // Redis takes the same kind of expiry again (the last one wins), never two kinds.
            bool otherThanSeconds = keepTtl || (expireIndex >= 0 && unitMilliseconds != 1000);
            bool otherThanMilliseconds = keepTtl || (expireIndex >= 0 && unitMilliseconds != 1);
            if (Ascii.EqualsIgnoreCase(option, "NX"u8) && !xx)
            {
                nx = true;
            }
            else if (Ascii.EqualsIgnoreCase(option, "XX"u8) && !nx)
            {
                xx = true;
            }
            else if (Ascii.EqualsIgnoreCase(option, "GET"u8))
            {
                get = true;
            }
            else if (Ascii.EqualsIgnoreCase(option, "KEEPTTL"u8) && expireIndex < 0)
            {
                keepTtl = true;
            }
            else if (Ascii.EqualsIgnoreCase(option, "EX"u8) && !otherThanSeconds && hasNext)
            {
                unitMilliseconds = 1000;
                expireIndex = ++j;
            }
            else if (Ascii.EqualsIgnoreCase(option, "PX"u8) && !otherThanMilliseconds && hasNext)
            {
                unitMilliseconds = 1;
                expireIndex = ++j;
            }
            else
            {
                context.Writer.Error(Errors.Syntax);
                return;
            }
        }

        Keyspace keyspace = context.Keyspace;
        long expiresAt = keepTtl ? Keyspace.KeepExpiry : Keyspace.NoExpiry;
        if (expireIndex >= 0)
        {
            if (!RespInteger.TryParse(request[expireIndex], out long amount))
            {
                context.Writer.Error(Errors.NotInteger);
                return;
            }
            if (!TryExpiryFromNow(keyspace.Now, amount, unitMilliseconds, out expiresAt) || amount <= 0)
            {
                context.Writer.Error(Errors.InvalidExpireTime("set"));
                return;
            }
        }

        ReadOnlySpan<byte> key = request[1];
        if (!nx && !xx && !get)
        {
            keyspace.Set(key, request[2], expiresAt); // the common SET: one lookup
            context.Writer.Ok();
            return;
        }
        Keyspace.Entry? old = keyspace.Find(key);
        if (get)
        {
            if (old is null)
            {
                context.Writer.Null();
            }
            else
            {
                context.Writer.Bulk(old.Value);
            }
        }
        if ((nx && old is not null) || (xx && old is null))
        {
            if (!get)
            {
                context.Writer.Null();
            }
            return;
        }
        keyspace.Set(key, request[2], expiresAt);
        if (!get)
        {
            context.Writer.Ok();
        }
    }

    /// <summary>SETNX key value: :1 when set, :0 when the key exists.</summary>
    private static void SetNx(CommandContext context, RespRequest request)
    {
        if (context.Keyspace.Find(request[1]) is not null)
        {
            context.Writer.Integer(0);
            return;
        }
        context.Keyspace.Set(request[1], request[2], Keyspace.NoExpiry);
        context.Writer.Integer(1);
    }

    /// <summary>SETEX key seconds value, PSETEX key milliseconds value.</summary>
    private static void SetEx(CommandContext context, RespRequest request, long unitMilliseconds, string name)
    {
        if (!RespInteger.TryParse(request[2], out long amount))
        {
            context.Writer.Error(Errors.NotInteger);
            return;
        }
        if (amount <= 0 || !TryExpiryFromNow(context.Keyspace.Now, amount, unitMilliseconds, out long expiresAt))
        {
            context.Writer.Error(Errors.InvalidExpireTime(name));
            return;
        }
        context.Keyspace.Set(request[1], request[3], expiresAt);
        context.Writer.Ok();
    }

    private static void GetDel(CommandContext context, RespRequest request)
    {
        Keyspace.Entry? entry = context.Keyspace.Find(request[1]);
        if (entry is null)
        {
            context.Writer.Null();
            return;
        }
        context.Writer.Bulk(entry.Value);
        context.Keyspace.Remove(entry);
    }

    private static void IncrBy(CommandContext context, RespRequest request)
    {
        if (!RespInteger.TryParse(request[2], out long increment))
        {
            context.Writer.Error(Errors.NotInteger);
            return;
        }
        IncrementBy(context, request[1], increment);
    }

    private static void DecrBy(CommandContext context, RespRequest request)
    {
        if (!RespInteger.TryParse(request[2], out long decrement))
        {
            context.Writer.Error(Errors.NotInteger);
            return;
        }
        if (decrement == long.MinValue)
        {
            context.Writer.Error(Errors.DecrementOverflow);
            return;
        }
        IncrementBy(context, request[1], -decrement);
    }

    private static void IncrementBy(CommandContext context, ReadOnlySpan<byte> key, long increment)
    {
        Keyspace.Entry? entry = context.Keyspace.Find(key);
        long value = 0;
        if (entry is not null && !RespInteger.TryParse(entry.Value, out value))
        {
            context.Writer.Error(Errors.NotInteger);
            return;
        }
        if ((increment < 0 && value < 0 && increment < long.MinValue - value) ||
            (increment > 0 && value > 0 && increment > long.MaxValue - value))
        {
            context.Writer.Error(Errors.Overflow);
            return;
        }
        value += increment;
        Span<byte> digits = stackalloc byte[RespInteger.MaxLength];
        Utf8Formatter.TryFormat(value, digits, out int length);
        context.Keyspace.Set(key, digits[..length], Keyspace.KeepExpiry);
        context.Writer.Integer(value);
    }

    private static void Append(CommandContext context, RespRequest request)
    {
        ReadOnlySpan<byte> key = request[1];
        ReadOnlySpan<byte> suffix = request[2];
        Keyspace.Entry? entry = context.Keyspace.Find(key);
        if (entry is null)
        {
            context.Keyspace.Set(key, suffix, Keyspace.NoExpiry);
            context.Writer.Integer(suffix.Length);
            return;
        }
        if ((long)entry.Length + suffix.Length > RespParser.MaxBulkLength)
        {
            context.Writer.Error(Errors.StringTooLong);
            return;
        }
        context.Writer.Integer(context.Keyspace.Append(entry, suffix));
    }

    private static void Strlen(CommandContext context, RespRequest request) =>
        context.Writer.Integer(context.Keyspace.Find(request[1])?.Length ?? 0);

    private static void MGet(CommandContext context, RespRequest request)
    {
        context.Writer.ArrayHeader(request.Count - 1);
        for (int i = 1; i < request.Count; i++)
        {
            Keyspace.Entry? entry = context.Keyspace.Find(request[i]);
            if (context.ClientDropped(i, entry?.Length ?? 0))
            {
                return; // the reply is cut, but nobody will read it: the connection is being reset
            }
            if (entry is null)
            {
                context.Writer.Null();
            }
            else
            {
                context.Writer.Bulk(entry.Value);
            }
        }
    }

    private static void MSet(CommandContext context, RespRequest request)
    {
        if (request.Count % 2 != 1)
        {
            context.Writer.Error(Errors.WrongArity("mset"));
            return;
        }
        for (int i = 1; i < request.Count; i += 2)
        {
            context.Keyspace.Set(request[i], request[i + 1], Keyspace.NoExpiry);
        }
        context.Writer.Ok();
    }

    /// <summary>now + amount × unit, refusing what a long cannot hold (Redis: "invalid expire time").</summary>
    internal static bool TryExpiryFromNow(long now, long amount, long unitMilliseconds, out long expiresAt)
    {
        expiresAt = 0;
        if (amount > long.MaxValue / unitMilliseconds || amount < long.MinValue / unitMilliseconds)
        {
            return false;
        }
        long milliseconds = amount * unitMilliseconds;
        if (milliseconds > long.MaxValue - now)
        {
            return false;
        }
        expiresAt = milliseconds + now;
        return true;
    }
}
