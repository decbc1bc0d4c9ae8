using System.Diagnostics;
using System.Net;
using ReactorNet.Samples.Resp.Tests.Support;
using ReactorNet.Samples.Tests.Support;
using StackExchange.Redis;

namespace ReactorNet.Samples.Resp.Tests.EndToEnd;

/// <summary>
/// StackExchange.Redis, a client nobody here wrote, against RespServer as a real process: its
/// handshake (CLIENT SETINFO, INFO, CONFIG GET, ECHO, ...) must pass, and its commands work.
/// </summary>
public sealed class StackExchangeRedisTests
{
    [Fact]
    public async Task Strings()
    {
        using SampleProcess server = RespServerProcess.Start();
        using ConnectionMultiplexer redis = await ConnectAsync(server);
        IDatabase db = redis.GetDatabase();

        (await db.StringSetAsync("greeting", "hello")).Should().BeTrue();
        ((string?)await db.StringGetAsync("greeting")).Should().Be("hello");
        (await db.StringAppendAsync("greeting", ", world")).Should().Be(12);
        (await db.StringLengthAsync("greeting")).Should().Be(12);
        (await db.StringSetAsync("greeting", "other", when: When.NotExists)).Should().BeFalse();
        (await db.StringIncrementAsync("counter", 5)).Should().Be(5);
        (await db.StringDecrementAsync("counter")).Should().Be(4);
        (await db.StringSetAsync([new("a", "1"), new("b", "2")])).Should().BeTrue();
        (await db.StringGetAsync(["a", "missing", "b"])).Select(v => (string?)v).Should().Equal("1", null, "2");
        (await db.KeyExistsAsync("a")).Should().BeTrue();
        (await db.KeyDeleteAsync(["a", "b", "missing"])).Should().Be(2);
        ((string?)await db.StringGetDeleteAsync("greeting")).Should().Be("hello, world");
        (await db.KeyExistsAsync("greeting")).Should().BeFalse();

        byte[] binary = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        await db.StringSetAsync("binary", binary);
        ((byte[]?)await db.StringGetAsync("binary")).Should().Equal(binary);

        Func<Task> wrongType = () => db.StringIncrementAsync("binary");
        (await wrongType.Should().ThrowAsync<RedisServerException>()).WithMessage("ERR value is not an integer or out of range");
        (await db.PingAsync()).Should().BeGreaterThan(TimeSpan.Zero);
    }

    [Fact]
    public async Task Expiry_by_command_and_by_the_server_on_its_own()
    {
        using SampleProcess server = RespServerProcess.Start();
        using ConnectionMultiplexer redis = await ConnectAsync(server);
        IDatabase db = redis.GetDatabase();

        await db.StringSetAsync("session", "data", expiry: TimeSpan.FromSeconds(100));
        TimeSpan? ttl = await db.KeyTimeToLiveAsync("session");
        ttl.Should().BeGreaterThan(TimeSpan.FromSeconds(90)).And.BeLessThanOrEqualTo(TimeSpan.FromSeconds(100));
        (await db.KeyPersistAsync("session")).Should().BeTrue();
        (await db.KeyTimeToLiveAsync("session")).Should().BeNull();
        (await db.KeyExpireAsync("session", TimeSpan.FromSeconds(-1))).Should().BeTrue();
        (await db.KeyExistsAsync("session")).Should().BeFalse("a past expiry deletes the key");

        // Keys that expire and are never touched again: only active expiry can reclaim them, and
        // DBSIZE does not touch keys. Bounded wait: expiry is about time passing.
        for (int i = 0; i < 200; i++)
        {
            _ = db.StringSetAsync($"short{i}", "x", expiry: TimeSpan.FromMilliseconds(1), flags: CommandFlags.FireAndForget);
        }
        await db.StringSetAsync("long", "x");
        var clock = Stopwatch.StartNew();
        long size;
        while ((size = (long)await db.ExecuteAsync("DBSIZE")) > 1 && clock.Elapsed < TestTimeouts.Network)
        {
            await Task.Delay(20);
        }
        size.Should().Be(1, "active expiry deletes expired keys nobody reads");
    }

    [Fact]
    public async Task A_pipelined_batch_runs_in_order()
    {
        using SampleProcess server = RespServerProcess.Start();
        using ConnectionMultiplexer redis = await ConnectAsync(server);
        IDatabase db = redis.GetDatabase();

        IBatch batch = db.CreateBatch();
        var sets = new List<Task<bool>>();
        var increments = new List<Task<long>>();
        for (int i = 0; i < 1000; i++)
        {
            sets.Add(batch.StringSetAsync($"key{i}", $"value{i}"));
            increments.Add(batch.StringIncrementAsync("sequence"));
        }
        Task<RedisValue> last = batch.StringGetAsync("key999");
        batch.Execute();

        (await Task.WhenAll(sets)).Should().AllSatisfy(ok => ok.Should().BeTrue());
        (await Task.WhenAll(increments)).Should().Equal(Enumerable.Range(1, 1000).Select(i => (long)i), "replies come back in request order");
        ((string?)await last).Should().Be("value999");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Concurrent_multiplexed_clients_lose_no_update(int loops)
    {
        using SampleProcess server = RespServerProcess.Start("--loops", loops.ToString(System.Globalization.CultureInfo.InvariantCulture));
        IPEndPoint endPoint = server.WaitForListening();
        // Two multiplexers = two connections, which two loops serve on different threads.
        using ConnectionMultiplexer first = await RespServerProcess.ConnectAsync(endPoint);
        using ConnectionMultiplexer second = await RespServerProcess.ConnectAsync(endPoint);

        const int Workers = 16;
        const int PerWorker = 250;
        Task[] workers = Enumerable.Range(0, Workers).Select(w => Task.Run(async () =>
        {
            IDatabase db = (w % 2 == 0 ? first : second).GetDatabase();
            var pending = new List<Task>();
            for (int i = 0; i < PerWorker; i++)
            {
                pending.Add(db.StringIncrementAsync("shared"));
                pending.Add(db.StringAppendAsync($"log{w}", "x"));
            }
            await Task.WhenAll(pending);
        })).ToArray();
        await Task.WhenAll(workers).WaitAsync(TestTimeouts.Network * 3);

        IDatabase check = first.GetDatabase();
        ((long)await check.StringGetAsync("shared")).Should().Be(Workers * PerWorker, "every INCR is atomic");
        for (int w = 0; w < Workers; w++)
        {
            (await check.StringLengthAsync($"log{w}")).Should().Be(PerWorker);
        }
    }

    private static async Task<ConnectionMultiplexer> ConnectAsync(SampleProcess server)
    {
        var log = new StringWriter();
        try
        {
            return await RespServerProcess.ConnectAsync(server.WaitForListening(), log);
        }
        catch (RedisConnectionException ex)
        {
            throw new InvalidOperationException($"StackExchange.Redis could not connect:\n{log}{server.Describe()}", ex);
        }
    }
}
