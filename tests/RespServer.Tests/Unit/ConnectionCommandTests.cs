using ReactorNet.Samples.Resp.Tests.Support;
using static ReactorNet.Samples.Resp.Tests.Support.CommandHarness;

namespace ReactorNet.Samples.Resp.Tests.Unit;

/// <summary>What clients send while connecting, the generic errors, and pipelining through the session.</summary>
public sealed class ConnectionCommandTests
{
    private readonly CommandHarness _redis = new();

    [Fact]
    public void Unknown_command_and_wrong_arity_errors_are_Redis_words()
    {
        _redis.Run("FOO", "a", "b").Should().Be(Error("ERR unknown command 'FOO', with args beginning with: 'a' 'b' "));
        _redis.Run("foo").Should().Be(Error("ERR unknown command 'foo', with args beginning with: "));
        _redis.Run("GET").Should().Be(Error("ERR wrong number of arguments for 'get' command"));
        _redis.Run("SET", "k").Should().Be(Error("ERR wrong number of arguments for 'set' command"));
        _redis.Run("PING", "a", "b").Should().Be(Error("ERR wrong number of arguments for 'ping' command"));
        _redis.Run("x\r\ny").Should().Be(Error("ERR unknown command 'x  y', with args beginning with: "), "CR and LF in an error become spaces");
    }

    /// <summary>
    /// Redis 7.0.15 (redis-cli -p PORT FOO a $(printf 'b%.0s' {1..200}), and the same with NUL bytes
    /// sent raw) prints each argument with <c>'%.*s' </c> and a precision of 128 minus the list so
    /// far, counted before the argument's opening quote; <c>%s</c> ends at a NUL byte. Here the
    /// precision counted the quote (one byte short) and NUL bytes were echoed.
    /// </summary>
    [Fact]
    public void Unknown_command_lists_its_arguments_cut_as_Redis_cuts_them()
    {
        _redis.Run("FOO", new string('x', 200)).Should().Be(Error($"ERR unknown command 'FOO', with args beginning with: '{new string('x', 128)}' "));
        _redis.Run("FOO", "a", new string('b', 200)).Should().Be(Error($"ERR unknown command 'FOO', with args beginning with: 'a' '{new string('b', 124)}' "));
        _redis.Run("F\0OO", "a\0b", "c").Should().Be(Error("ERR unknown command 'F', with args beginning with: 'a' 'c' "));
        _redis.Run(new string('n', 200)).Should().Be(Error($"ERR unknown command '{new string('n', 128)}', with args beginning with: "));
    }

    [Fact]
    public void Ping_echo_quit()
    {
        _redis.Run("PING").Should().Be("+PONG\r\n");
        _redis.Run("PING", "hi").Should().Be(Bulk("hi"));
        _redis.Run("ECHO", "x y").Should().Be(Bulk("x y"));
        _redis.Client.CloseAfterReply.Should().BeFalse();
        _redis.Run("QUIT").Should().Be(Ok);
        _redis.Client.CloseAfterReply.Should().BeTrue();
    }

    [Fact]
    public void Hello_answers_as_RESP2_and_refuses_RESP3_with_NOPROTO()
    {
        _redis.Run("HELLO", "3").Should().Be(Error("NOPROTO unsupported protocol version"));
        _redis.Run("HELLO", "x").Should().Be(Error("ERR Protocol version is not an integer or out of range"));
        string hello = _redis.Run("HELLO", "2", "SETNAME", "me");
        hello.Should().StartWith("*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n").And.Contain("$5\r\nproto\r\n:2\r\n");
        _redis.Run("CLIENT", "GETNAME").Should().Be(Bulk("me"));
        _redis.Run("HELLO", "2", "BOGUS").Should().Be(Error("ERR Syntax error in HELLO option 'BOGUS'"));
    }

    [Fact]
    public void Client_subcommands()
    {
        _redis.Run("CLIENT", "GETNAME").Should().Be(Null);
        _redis.Run("CLIENT", "SETNAME", "worker-1").Should().Be(Ok);
        _redis.Run("CLIENT", "GETNAME").Should().Be(Bulk("worker-1"));
        _redis.Run("CLIENT", "SETNAME", "a b").Should().Be(Error("ERR Client names cannot contain spaces, newlines or special characters."));
        _redis.Run("CLIENT", "SETNAME").Should().Be(Error("ERR wrong number of arguments for 'client|setname' command"));
        _redis.Run("CLIENT", "SETINFO", "LIB-NAME", "SE.Redis").Should().Be(Ok);
        _redis.Run("CLIENT", "SETINFO", "lib-ver", "3.4").Should().Be(Ok);
        _redis.Run("CLIENT", "SETINFO", "color", "red").Should().Be(Error("ERR Unrecognized option 'color'"));
        _redis.Run("CLIENT", "ID").Should().Be(Integer(_redis.Client.Id));
        _redis.Run("CLIENT", "INFO").Should().Contain("name=worker-1").And.Contain("lib-name=SE.Redis");
        _redis.Run("CLIENT", "FLY").Should().Be(Error("ERR unknown subcommand 'FLY'. Try CLIENT HELP."));
    }

    [Fact]
    public void Command_info_config()
    {
        _redis.Run("COMMAND", "COUNT").Should().MatchRegex(@"^:\d+\r\n$");
        _redis.Run("COMMAND", "INFO", "get").Should().StartWith("*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n");
        _redis.Run("COMMAND", "DOCS").Should().Be("*0\r\n");
        _redis.Run("COMMAND").Should().StartWith("*");
        _redis.Run("SET", "k", "v", "EX", "100");
        _redis.Run("INFO").Should().Contain("redis_version:").And.Contain("role:master").And.Contain("db0:keys=1,expires=1");
        _redis.Run("INFO", "memory").Should().Contain("used_memory:").And.NotContain("redis_version");
        _redis.Run("CONFIG", "GET", "maxmemory").Should().Be("*2\r\n" + Bulk("maxmemory") + Bulk("0"));
        _redis.Run("CONFIG", "GET", "nothing*").Should().Be("*0\r\n");
        _redis.Run("CONFIG", "SET", "x", "y").Should().Be(Error("ERR unknown subcommand 'SET'. Try CONFIG HELP."));
    }

    [Fact]
    public void Pipelined_requests_run_in_order_in_one_call_and_an_unfinished_one_waits()
    {
        string pipeline = Multibulk("SET", "k", "1") + "INCR k\r\n" + Multibulk("GET", "k");
        _redis.Send(pipeline).Should().Be(Ok + Integer(2) + Bulk("2"));
    }

    [Fact]
    public void A_protocol_error_is_answered_after_the_earlier_replies_and_closes()
    {
        string reply = _redis.Send("PING\r\n*1\r\n$x\r\nPING\r\n");

        reply.Should().Be("+PONG\r\n-ERR Protocol error: invalid bulk length\r\n", "nothing after the error runs");
        _redis.Client.CloseAfterReply.Should().BeTrue();
    }
}
