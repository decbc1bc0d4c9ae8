using System.Globalization;
using System.Net;
using ReactorNet.Samples.Resp.Tests.Support;
using ReactorNet.Samples.Tests.Support;

namespace ReactorNet.Samples.Resp.Tests.EndToEnd;

/// <summary>Debian's redis-cli and redis-benchmark against RespServer. A missing tool fails these tests.</summary>
public sealed class RedisToolsTests
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(120);

    [Fact]
    public void A_redis_cli_session()
    {
        using SampleProcess server = RespServerProcess.Start();
        IPEndPoint endPoint = server.WaitForListening();

        // --no-raw: the formatting of an interactive session, with commands read from stdin.
        const string Session = """
            PING
            SET greeting "hello world"
            GET greeting
            INCR visits
            INCRBY visits 41
            EXPIRE greeting 100
            TTL greeting
            KEYS gr*
            GET missing
            MGET greeting visits
            SET greeting x EX 0
            FOO bar
            DBSIZE
            """;
        var (exitCode, stdout, stderr) = RedisTools.Run("redis-cli", Arguments(endPoint, "--no-raw"), Session + "\n", ToolTimeout);

        exitCode.Should().Be(0, stderr);
        stdout.Should().Be("""
            PONG
            OK
            "hello world"
            (integer) 1
            (integer) 42
            (integer) 1
            (integer) 100
            1) "greeting"
            (nil)
            1) "hello world"
            2) "42"
            (error) ERR invalid expire time in 'set' command
            (error) ERR unknown command 'FOO', with args beginning with: 'bar' 
            (integer) 2

            """, server.Describe());
    }

    [Fact]
    public void Redis_cli_connects_the_way_it_does_interactively()
    {
        using SampleProcess server = RespServerProcess.Start();
        IPEndPoint endPoint = server.WaitForListening();

        // A command on the command line: connect (HELLO-free RESP2 handshake), run, print, exit.
        var (exitCode, stdout, stderr) = RedisTools.Run("redis-cli", [.. Arguments(endPoint), "INFO", "server"], "", ToolTimeout);

        exitCode.Should().Be(0, stderr);
        stdout.Should().Contain("redis_version:").And.Contain($"tcp_port:{endPoint.Port}");
    }

    [Theory]
    [InlineData("1")]
    [InlineData("16")]
    public void A_redis_benchmark_smoke_run_has_no_errors(string pipeline)
    {
        using SampleProcess server = RespServerProcess.Start("--loops", "2");
        IPEndPoint endPoint = server.WaitForListening();

        var (exitCode, stdout, stderr) = RedisTools.Run(
            "redis-benchmark",
            [.. Arguments(endPoint), "-n", "2000", "-c", "10", "-P", pipeline, "-t", "ping,set,get", "-q"],
            "",
            ToolTimeout);

        exitCode.Should().Be(0, stdout + stderr);
        (stdout + stderr).Should().NotContainAny(["rror", "ERR"]);
        string[] results = stdout.Split('\n', '\r').Where(l => l.Contains("requests per second", StringComparison.Ordinal)).ToArray();
        results.Select(l => l.Split(':')[0].Trim()).Should().BeEquivalentTo(["PING_INLINE", "PING_MBULK", "SET", "GET"], stdout);
    }

    private static string[] Arguments(IPEndPoint endPoint, params string[] more) =>
        ["-h", endPoint.Address.ToString(), "-p", endPoint.Port.ToString(CultureInfo.InvariantCulture), .. more];
}
