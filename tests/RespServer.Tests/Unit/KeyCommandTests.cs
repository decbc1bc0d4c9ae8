using ReactorNet.Samples.Resp.Storage;
using ReactorNet.Samples.Resp.Tests.Support;
using static ReactorNet.Samples.Resp.Tests.Support.CommandHarness;

namespace ReactorNet.Samples.Resp.Tests.Unit;

/// <summary>Key commands, expiry (lazy and active) and the memory limit.</summary>
public sealed class KeyCommandTests
{
    private readonly CommandHarness _redis = new();

    [Fact]
    public void Del_and_exists_count_keys()
    {
        _redis.Run("MSET", "a", "1", "b", "2");
        _redis.Run("EXISTS", "a", "a", "b", "c").Should().Be(Integer(3), "Redis counts a key named twice twice");
        _redis.Run("DEL", "a", "c").Should().Be(Integer(1));
        _redis.Run("DBSIZE").Should().Be(Integer(1));
        _redis.Run("UNLINK", "b", "c").Should().Be(Integer(1));
        _redis.Run("DBSIZE").Should().Be(Integer(0));
    }

    [Fact]
    public void Expire_ttl_persist()
    {
        _redis.Run("TTL", "k").Should().Be(Integer(-2));
        _redis.Run("EXPIRE", "k", "10").Should().Be(Integer(0));
        _redis.Run("SET", "k", "v");
        _redis.Run("TTL", "k").Should().Be(Integer(-1));
        _redis.Run("EXPIRE", "k", "10").Should().Be(Integer(1));
        _redis.Run("PTTL", "k").Should().Be(Integer(10_000));
        _redis.Run("PEXPIRE", "k", "2500").Should().Be(Integer(1));
        _redis.Run("TTL", "k").Should().Be(Integer(3));
        _redis.Run("PERSIST", "k").Should().Be(Integer(1));
        _redis.Run("PERSIST", "k").Should().Be(Integer(0));
        _redis.Run("TTL", "k").Should().Be(Integer(-1));
        _redis.Run("EXPIRE", "k", "-1").Should().Be(Integer(1), "a time in the past deletes the key");
        _redis.Run("EXISTS", "k").Should().Be(Integer(0));
    }

    [Fact]
    public void Expire_options_NX_XX_GT_LT()
    {
        _redis.Run("SET", "k", "v");
        _redis.Run("EXPIRE", "k", "100", "XX").Should().Be(Integer(0));
        _redis.Run("EXPIRE", "k", "100", "GT").Should().Be(Integer(0), "no expiry counts as infinite");
        _redis.Run("EXPIRE", "k", "100", "NX").Should().Be(Integer(1));
        _redis.Run("EXPIRE", "k", "50", "NX").Should().Be(Integer(0));
        _redis.Run("EXPIRE", "k", "200", "LT").Should().Be(Integer(0));
        _redis.Run("EXPIRE", "k", "50", "LT").Should().Be(Integer(1));
        _redis.Run("EXPIRE", "k", "60", "GT").Should().Be(Integer(1));
        _redis.Run("TTL", "k").Should().Be(Integer(60));
        _redis.Run("EXPIRE", "k", "1", "NX", "XX").Should().Be(Error("ERR NX and XX, GT or LT options at the same time are not compatible"));
        _redis.Run("EXPIRE", "k", "1", "GT", "LT").Should().Be(Error("ERR GT and LT options at the same time are not compatible"));
        _redis.Run("EXPIRE", "k", "1", "XY").Should().Be(Error("ERR Unsupported option XY"));
        _redis.Run("EXPIRE", "k", "x").Should().Be(Error("ERR value is not an integer or out of range"));
        _redis.Run("EXPIRE", "k", "9223372036854775807").Should().Be(Error("ERR invalid expire time in 'expire' command"));
        _redis.Run("PEXPIRE", "k", "9223372036854775807").Should().Be(Error("ERR invalid expire time in 'pexpire' command"));
    }

    [Fact]
    public void An_expired_key_is_gone_on_access_without_any_active_expiry()
    {
        _redis.Run("SET", "k", "v", "PX", "100");
        _redis.Now += 101;

        _redis.Run("EXISTS", "k").Should().Be(Integer(0));
        _redis.Keyspace.Count.Should().Be(0, "the access deleted it");
        _redis.Keyspace.DataBytes.Should().Be(0);
    }

    [Fact]
    public void Active_expiry_reclaims_expired_keys_without_access_in_bounded_steps()
    {
        const int Volatile = 2000;
        for (int i = 0; i < Volatile; i++)
        {
            _redis.Run("SET", $"v{i}", "x", "PX", "50");
        }
        for (int i = 0; i < 100; i++)
        {
            _redis.Run("SET", $"p{i}", "x");
        }
        _redis.Keyspace.ActiveExpireCycle().Should().Be(0, "nothing has expired yet");

        _redis.Now += 51;
        int cycles = 0;
        while (_redis.Keyspace.VolatileCount > 0)
        {
            _redis.Keyspace.ActiveExpireCycle();
            cycles++;
            cycles.Should().BeLessThan(1000, "active expiry must make progress");
        }

        _redis.Keyspace.Count.Should().Be(100, "keys without expiry stay");
        _redis.Run("DBSIZE").Should().Be(Integer(100));
    }

    /// <summary>
    /// Redis's activeExpireCycle goes on while more than 10 % of a sample was expired, bounded by
    /// time (25 % of a tick), not by a count of keys: with a fixed count (320 keys per 100 ms tick
    /// before) a client setting keys with a short expiry faster than that grew memory without
    /// bound — 200,000 keys that expired together were still 160,000 after 12 s (redis-server:
    /// none after 2 s).
    /// </summary>
    [Fact]
    public void One_active_expiry_cycle_reclaims_a_mass_of_expired_keys_while_its_time_lasts()
    {
        const int Volatile = 20_000;
        for (int i = 0; i < Volatile; i++)
        {
            _redis.Run("SET", $"v{i}", "x", "PX", "50");
        }
        _redis.Run("SET", "kept", "x");
        _redis.Now += 51;

        // The harness's clock stands still: no time passes, so the cycle's budget never runs out.
        _redis.Keyspace.ActiveExpireCycle().Should().Be(Volatile);
        _redis.Keyspace.Count.Should().Be(1);
    }

    [Fact]
    public void An_active_expiry_cycle_stops_when_its_time_budget_is_spent()
    {
        const int Volatile = 100_000;
        long now = 1_000;
        bool ticking = false;
        // Once ticking, every look at the clock finds a millisecond passed.
        var keyspace = new Keyspace(() => ticking ? ++now : now, seed: 1);
        for (int i = 0; i < Volatile; i++)
        {
            keyspace.Set(System.Text.Encoding.ASCII.GetBytes($"v{i}"), "x"u8, now + 50);
        }
        now += 51;
        ticking = true;

        int deleted = keyspace.ActiveExpireCycle();

        deleted.Should().BeGreaterThan(0);
        keyspace.Count.Should().BeGreaterThan(0, "the budget ran out before every expired key was found");
        (now - 1_051).Should().BeLessThanOrEqualTo(Keyspace.ActiveExpireBudgetMilliseconds + 1, "the clock is read once per few rounds, and the cycle stops once the budget is spent");
    }

    /// <summary>
    /// Redis frees a flushed database's table and shrinks a table under 10 % full in its cron. The
    /// table here kept its largest size for ever: FLUSHALL after 100,000 keys left 156,437 slots
    /// (about 4 MiB of arrays) behind, and so did keys deleted or expired.
    /// </summary>
    [Fact]
    public void Flushall_gives_back_the_room_of_the_keys_it_removed()
    {
        for (int i = 0; i < 100_000; i++)
        {
            _redis.Keyspace.Set(System.Text.Encoding.ASCII.GetBytes($"k{i}"), "x"u8, Keyspace.NoExpiry);
        }

        _redis.Run("FLUSHALL").Should().Be(Ok);

        _redis.Keyspace.TableCapacity.Should().BeLessThan(100);
        _redis.Run("SET", "k", "v").Should().Be(Ok);
        _redis.Run("GET", "k").Should().Be(Bulk("v"), "the keyspace works on after its table was replaced");
    }

    [Fact]
    public void The_periodic_tick_shrinks_a_table_that_deletions_and_expiry_left_under_a_tenth_full()
    {
        for (int i = 0; i < 100_000; i++)
        {
            _redis.Keyspace.Set(System.Text.Encoding.ASCII.GetBytes($"k{i}"), "x"u8, i % 2 == 0 ? _redis.Now + 50 : Keyspace.NoExpiry);
        }
        for (int i = 1; i < 100_000 - 2000; i += 2)
        {
            _redis.Keyspace.Delete(System.Text.Encoding.ASCII.GetBytes($"k{i}"));
        }
        _redis.Now += 51;
        _redis.Keyspace.Tick(); // (the clock stands still: one tick reclaims every expired key)
        _redis.Keyspace.Count.Should().Be(1000);

        _redis.Keyspace.TableCapacity.Should().BeLessThan(10_000, "1,000 keys were left in a table made for 100,000");
        _redis.Keyspace.VolatileCapacity.Should().BeLessThan(10_000, "no key with an expiry was left of 50,000");
        _redis.Run("EXISTS", "k99999").Should().Be(Integer(1), "the keys left are still found");
        _redis.Run("DBSIZE").Should().Be(Integer(1000));
    }

    [Fact]
    public void Keys_matches_glob_patterns_and_skips_expired_keys()
    {
        _redis.Run("MSET", "hello", "1", "hallo", "2", "hxllo", "3", "world", "4");
        _redis.Run("SET", "hbllo", "5", "PX", "1");
        _redis.Now += 2;

        Keys("h?llo").Should().BeEquivalentTo("hello", "hallo", "hxllo");
        Keys("h[ae]llo").Should().BeEquivalentTo("hello", "hallo");
        Keys("h[^e]llo").Should().BeEquivalentTo("hallo", "hxllo");
        Keys("*").Should().HaveCount(4);
        Keys("w*").Should().Equal("world");
    }

    [Theory]
    [InlineData("*", "anything", true)]
    [InlineData("a*b", "ab", true)]
    [InlineData("a*b", "axxb", true)]
    [InlineData("a*b", "axxc", false)]
    [InlineData("[a-c]x", "bx", true)]
    [InlineData("[c-a]x", "bx", true)]
    [InlineData("[a-c]x", "dx", false)]
    [InlineData("a\\*", "a*", true)]
    [InlineData("a\\*", "ab", false)]
    [InlineData("[abc", "a", true)]
    [InlineData("??", "a", false)]
    public void Glob_patterns_match_like_stringmatchlen(string pattern, string text, bool match) =>
        GlobPattern.IsMatch(System.Text.Encoding.ASCII.GetBytes(pattern), System.Text.Encoding.ASCII.GetBytes(text)).Should().Be(match);

    [Fact]
    public void Glob_matching_does_not_backtrack_exponentially()
    {
        string pattern = string.Concat(Enumerable.Repeat("a*", 30)) + "b";
        string text = new('a', 60);
        GlobPattern.IsMatch(System.Text.Encoding.ASCII.GetBytes(pattern), System.Text.Encoding.ASCII.GetBytes(text)).Should().BeFalse();
    }

    [Fact]
    public void Flushdb_flushall_and_select()
    {
        _redis.Run("MSET", "a", "1", "b", "2");
        _redis.Run("FLUSHDB").Should().Be(Ok);
        _redis.Run("DBSIZE").Should().Be(Integer(0));
        _redis.Run("SET", "a", "1");
        _redis.Run("FLUSHALL", "ASYNC").Should().Be(Ok);
        _redis.Run("FLUSHALL", "LATER").Should().Be(Error("ERR syntax error"));
        _redis.Run("DBSIZE").Should().Be(Integer(0));
        _redis.Run("SELECT", "0").Should().Be(Ok);
        _redis.Run("SELECT", "1").Should().Be(Error("ERR DB index is out of range"));
        _redis.Run("SELECT", "x").Should().Be(Error("ERR value is not an integer or out of range"));
        // Redis 7.0.15: redis-cli SELECT 2147483648 (getIntFromObjectOrReply's own words).
        _redis.Run("SELECT", "2147483648").Should().Be(Error("ERR value is out of range, value must between -2147483648 and 2147483647"));
        _redis.Run("SELECT", "-2147483649").Should().Be(Error("ERR value is out of range, value must between -2147483648 and 2147483647"));
        _redis.Run("SELECT", "-2147483648").Should().Be(Error("ERR DB index is out of range"));
    }

    /// <summary>
    /// The memory account must hold at least what the keys really take, or --maxmemory lets the
    /// heap grow past the limit: 64 bytes per key plus the key and value bytes counted about half
    /// of a small key's objects (an entry object, two arrays with their headers) and none of the
    /// table. Upper bound: everything the thread allocated while filling the keyspace from empty
    /// (the objects and every table the keyspace grew through).
    /// </summary>
    [Fact]
    public void The_memory_account_holds_what_the_keys_take_on_the_heap()
    {
        const int Keys = 20_000;
        byte[][] keys = [.. Enumerable.Range(0, Keys).Select(i => System.Text.Encoding.ASCII.GetBytes($"key:{i:D6}"))];
        var keyspace = new Keyspace(() => 1_000, seed: 1);

        long start = GC.GetAllocatedBytesForCurrentThread();
        Fill();
        long fromEmpty = GC.GetAllocatedBytesForCurrentThread() - start;
        foreach (byte[] key in keys)
        {
            keyspace.Delete(key);
        }
        start = GC.GetAllocatedBytesForCurrentThread();
        Fill(); // the table has room now: this is the keys' own objects
        long objects = GC.GetAllocatedBytesForCurrentThread() - start;

        keyspace.UsedMemory.Should().BeGreaterThan(objects, "the keys' objects and the table's slots").And.BeLessThanOrEqualTo(fromEmpty);

        void Fill()
        {
            foreach (byte[] key in keys)
            {
                keyspace.Set(key, "abc"u8, Keyspace.NoExpiry);
            }
        }
    }

    [Fact]
    public void Maxmemory_refuses_writes_that_grow_memory_while_over_the_limit()
    {
        // A 400-byte value under a 1-byte key takes 504 bytes of heap (entry, key, value), the
        // key table 84 at first: the third SET passes the limit.
        var redis = new CommandHarness(maxMemory: 1500);
        string value = new('x', 400);
        redis.Run("SET", "a", value).Should().Be(Ok);
        redis.Run("SET", "b", value).Should().Be(Ok);
        redis.Run("SET", "c", value).Should().Be(Ok, "Redis checks before the command: this one passes the limit");

        const string Oom = "-OOM command not allowed when used memory > 'maxmemory'.\r\n";
        redis.Run("SET", "d", "1").Should().Be(Oom);
        redis.Run("APPEND", "a", "1").Should().Be(Oom);
        redis.Run("INCR", "n").Should().Be(Oom);
        redis.Run("MSET", "e", "1").Should().Be(Oom);
        redis.Run("GET", "a").Should().Be(Bulk(value), "reads still work");
        redis.Run("EXPIRE", "a", "100").Should().Be(Integer(1), "EXPIRE does not grow memory");

        redis.Run("DEL", "a", "b").Should().Be(Integer(2), "deleting still works");
        redis.Run("SET", "d", "1").Should().Be(Ok, "below the limit writes work again");
    }

    private List<string> Keys(string pattern)
    {
        string reply = _redis.Run("KEYS", pattern);
        string[] lines = reply.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        return lines.Skip(1).Where((_, i) => i % 2 == 1).ToList();
    }
}
