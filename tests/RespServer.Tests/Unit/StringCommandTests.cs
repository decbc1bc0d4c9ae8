using ReactorNet.Samples.Resp.Tests.Support;
using static ReactorNet.Samples.Resp.Tests.Support.CommandHarness;

namespace ReactorNet.Samples.Resp.Tests.Unit;

/// <summary>String commands against the keyspace, replies compared byte for byte with Redis's.</summary>
public sealed class StringCommandTests
{
    private readonly CommandHarness _redis = new();

    [Fact]
    public void Set_and_get()
    {
        _redis.Run("GET", "k").Should().Be(Null);
        _redis.Run("SET", "k", "v").Should().Be(Ok);
        _redis.Run("get", "k").Should().Be(Bulk("v"));
        _redis.Run("SET", "k", "").Should().Be(Ok);
        _redis.Run("GET", "k").Should().Be(Bulk(""));
    }

    [Fact]
    public void Set_NX_and_XX_set_only_when_the_key_is_missing_or_present()
    {
        _redis.Run("SET", "k", "1", "XX").Should().Be(Null);
        _redis.Run("SET", "k", "1", "NX").Should().Be(Ok);
        _redis.Run("SET", "k", "2", "nx").Should().Be(Null);
        _redis.Run("GET", "k").Should().Be(Bulk("1"));
        _redis.Run("SET", "k", "3", "XX").Should().Be(Ok);
        _redis.Run("GET", "k").Should().Be(Bulk("3"));
    }

    [Fact]
    public void Set_GET_returns_the_old_value_whether_or_not_it_sets()
    {
        _redis.Run("SET", "k", "1", "GET").Should().Be(Null);
        _redis.Run("SET", "k", "2", "GET").Should().Be(Bulk("1"));
        _redis.Run("SET", "k", "3", "NX", "GET").Should().Be(Bulk("2"));
        _redis.Run("GET", "k").Should().Be(Bulk("2"));
    }

    [Fact]
    public void Set_EX_and_PX_expire_the_key_and_a_plain_SET_clears_the_expiry()
    {
        _redis.Run("SET", "k", "v", "EX", "10").Should().Be(Ok);
        _redis.Run("PTTL", "k").Should().Be(Integer(10_000));
        _redis.Run("SET", "p", "v", "PX", "1500").Should().Be(Ok);
        _redis.Run("TTL", "p").Should().Be(Integer(2), "TTL rounds to the nearest second, as Redis does");

        _redis.Now += 1500;
        _redis.Run("GET", "p").Should().Be(Bulk("v"), "a key lives until its expiry time has passed");
        _redis.Now += 1;
        _redis.Run("GET", "p").Should().Be(Null);

        _redis.Run("SET", "k", "w").Should().Be(Ok);
        _redis.Run("TTL", "k").Should().Be(Integer(-1));
        _redis.Run("SET", "k", "x", "EX", "5").Should().Be(Ok);
        _redis.Run("SET", "k", "y", "KEEPTTL").Should().Be(Ok);
        _redis.Run("PTTL", "k").Should().Be(Integer(5000));
    }

    [Theory]
    [InlineData(new[] { "EX", "0" }, "ERR invalid expire time in 'set' command")]
    [InlineData(new[] { "PX", "-5" }, "ERR invalid expire time in 'set' command")]
    [InlineData(new[] { "EX", "9223372036854775807" }, "ERR invalid expire time in 'set' command")]
    [InlineData(new[] { "EX", "ten" }, "ERR value is not an integer or out of range")]
    [InlineData(new[] { "EX", "1.5" }, "ERR value is not an integer or out of range")]
    [InlineData(new[] { "NX", "XX" }, "ERR syntax error")]
    [InlineData(new[] { "EX", "1", "PX", "1" }, "ERR syntax error")]
    [InlineData(new[] { "EX" }, "ERR syntax error")]
    [InlineData(new[] { "BOGUS" }, "ERR syntax error")]
    public void Bad_SET_options_get_the_Redis_error(string[] options, string error)
    {
        _redis.Run(["SET", "k", "v", .. options]).Should().Be(Error(error));
        _redis.Run("EXISTS", "k").Should().Be(Integer(0));
    }

    [Fact]
    public void Incr_decr_and_their_by_forms()
    {
        _redis.Run("INCR", "n").Should().Be(Integer(1));
        _redis.Run("INCRBY", "n", "41").Should().Be(Integer(42));
        _redis.Run("DECR", "n").Should().Be(Integer(41));
        _redis.Run("DECRBY", "n", "-9").Should().Be(Integer(50));
        _redis.Run("GET", "n").Should().Be(Bulk("50"));
    }

    [Fact]
    public void Incr_keeps_the_expiry()
    {
        _redis.Run("SET", "n", "1", "PX", "5000");
        _redis.Run("INCR", "n").Should().Be(Integer(2));
        _redis.Run("PTTL", "n").Should().Be(Integer(5000));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData(" 1")]
    [InlineData("01")]
    [InlineData("1.0")]
    [InlineData("")]
    [InlineData("99999999999999999999")]
    public void Incr_of_a_value_that_is_not_an_integer_is_refused(string value)
    {
        _redis.Run("SET", "n", value);
        _redis.Run("INCR", "n").Should().Be(Error("ERR value is not an integer or out of range"));
        _redis.Run("GET", "n").Should().Be(Bulk(value));
    }

    [Fact]
    public void Overflow_is_refused_and_leaves_the_value()
    {
        _redis.Run("SET", "n", "9223372036854775807");
        _redis.Run("INCR", "n").Should().Be(Error("ERR increment or decrement would overflow"));
        _redis.Run("SET", "m", "-9223372036854775808");
        _redis.Run("DECR", "m").Should().Be(Error("ERR increment or decrement would overflow"));
        _redis.Run("INCRBY", "m", "-1").Should().Be(Error("ERR increment or decrement would overflow"));
        _redis.Run("DECRBY", "x", "-9223372036854775808").Should().Be(Error("ERR decrement would overflow"));
        _redis.Run("INCRBY", "x", "9223372036854775808").Should().Be(Error("ERR value is not an integer or out of range"));
        _redis.Run("GET", "n").Should().Be(Bulk("9223372036854775807"));
    }

    [Fact]
    public void Setnx_setex_psetex()
    {
        _redis.Run("SETNX", "k", "1").Should().Be(Integer(1));
        _redis.Run("SETNX", "k", "2").Should().Be(Integer(0));
        _redis.Run("GET", "k").Should().Be(Bulk("1"));
        _redis.Run("SETEX", "k", "10", "v").Should().Be(Ok);
        _redis.Run("PTTL", "k").Should().Be(Integer(10_000));
        _redis.Run("PSETEX", "k", "500", "w").Should().Be(Ok);
        _redis.Run("PTTL", "k").Should().Be(Integer(500));
        _redis.Run("SETEX", "k", "0", "v").Should().Be(Error("ERR invalid expire time in 'setex' command"));
        _redis.Run("PSETEX", "k", "x", "v").Should().Be(Error("ERR value is not an integer or out of range"));
    }

    /// <summary>
    /// Redis 7.0.15 takes EX (or PX) again, the last one winning, and KEEPTTL twice; only a
    /// different kind of expiry is a syntax error (checked with redis-cli against redis-server:
    /// SET k v EX 10 EX 20 -> OK, SET k v EX abc EX 10 -> OK, SET k v EX 10 EX abc -> not an
    /// integer, SET k v KEEPTTL KEEPTTL -> OK, SET k v EX 10 PX 20 -> syntax error).
    /// </summary>
    [Fact]
    public void Set_takes_a_repeated_expiry_option_the_last_one_winning()
    {
        _redis.Run("SET", "k", "v", "EX", "10", "EX", "20").Should().Be(Ok);
        _redis.Run("TTL", "k").Should().Be(Integer(20));
        _redis.Run("SET", "k", "v", "PX", "10", "px", "20000").Should().Be(Ok);
        _redis.Run("PTTL", "k").Should().Be(Integer(20000));
        _redis.Run("SET", "k", "v", "EX", "abc", "EX", "30").Should().Be(Ok);
        _redis.Run("TTL", "k").Should().Be(Integer(30));
        _redis.Run("SET", "k", "w", "KEEPTTL", "KEEPTTL").Should().Be(Ok);
        _redis.Run("TTL", "k").Should().Be(Integer(30));
        _redis.Run("SET", "k", "v", "EX", "10", "EX", "abc").Should().Be(Error("ERR value is not an integer or out of range"));
        _redis.Run("SET", "k", "v", "EX", "10", "PX", "20").Should().Be(Error("ERR syntax error"));
        _redis.Run("SET", "k", "v", "PX", "10", "EX", "20").Should().Be(Error("ERR syntax error"));
        _redis.Run("SET", "k", "v", "KEEPTTL", "EX", "10").Should().Be(Error("ERR syntax error"));
        _redis.Run("SET", "k", "v", "EX", "10", "KEEPTTL").Should().Be(Error("ERR syntax error"));
        _redis.Run("GET", "k").Should().Be(Bulk("w"), "no refused SET changed the value");
    }

    [Fact]
    public void Append_strlen_getdel()
    {
        _redis.Run("APPEND", "s", "Hello").Should().Be(Integer(5));
        _redis.Run("APPEND", "s", " World").Should().Be(Integer(11));
        _redis.Run("STRLEN", "s").Should().Be(Integer(11));
        _redis.Run("STRLEN", "missing").Should().Be(Integer(0));
        _redis.Run("GETDEL", "s").Should().Be(Bulk("Hello World"));
        _redis.Run("GETDEL", "s").Should().Be(Null);
    }

    /// <summary>
    /// APPEND grows a value with room to spare, as Redis's sds does (double below 1 MiB, then
    /// 1 MiB more), so small pieces appended to a large value copy it rarely. It copied the whole
    /// value on every APPEND before: 2,000 one-byte APPENDs to a 32 MiB value held the loop for
    /// 10 s (redis-server: under 10 ms) and allocated 64 GiB.
    /// </summary>
    [Fact]
    public void Appending_small_pieces_to_a_large_value_copies_it_rarely()
    {
        const int Size = 1 << 20;
        const int Appends = 1000;
        _redis.Run("SET", "a", new string('x', Size)).Should().Be(Ok);
        string append = Multibulk("APPEND", "a", "y");

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Appends; i++)
        {
            _redis.Send(append);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        allocated.Should().BeLessThan(4 * Size, "one APPEND in many grows the value (a copy per APPEND is 1000 MiB)");
        _redis.Run("STRLEN", "a").Should().Be(Integer(Size + Appends));
        _redis.Run("GET", "a").Should().Be(Bulk(new string('x', Size) + new string('y', Appends)));
        _redis.Keyspace.DataBytes.Should().BeGreaterThanOrEqualTo(Size + Appends, "the account holds the room the value has");
        _redis.Run("APPEND", "b", "z").Should().Be(Integer(1));
        _redis.Run("DEL", "a", "b").Should().Be(Integer(2));
        _redis.Keyspace.DataBytes.Should().Be(0, "what APPEND added to the account leaves with the key");
    }

    [Fact]
    public void Mset_and_mget()
    {
        _redis.Run("MSET", "a", "1", "b", "2").Should().Be(Ok);
        _redis.Run("MGET", "a", "missing", "b").Should().Be("*3\r\n" + Bulk("1") + Null + Bulk("2"));
        _redis.Run("MSET", "a", "1", "b").Should().Be(Error("ERR wrong number of arguments for 'mset' command"));
    }

    [Fact]
    public void A_binary_value_comes_back_byte_for_byte()
    {
        string value = new(Enumerable.Range(0, 256).Select(i => (char)i).ToArray());
        _redis.Run("SET", "bin", value).Should().Be(Ok);
        _redis.Run("GET", "bin").Should().Be(Bulk(value));
    }
}
