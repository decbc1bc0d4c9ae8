using System.Buffers;
using System.Text;
using ReactorNet.Samples.Resp.Commands;
using ReactorNet.Samples.Resp.Server;
using ReactorNet.Samples.Resp.Storage;

namespace ReactorNet.Samples.Resp.Tests.Support;

/// <summary>
/// Runs commands against a keyspace with a hand-driven clock, through the real session (parser,
/// command table, writer), and returns the raw RESP reply as text.
/// </summary>
internal sealed class CommandHarness
{
    private readonly RespSession _session;

    public CommandHarness(long maxMemory = 0)
    {
        Keyspace = new Keyspace(() => Now, seed: 1) { MaxMemory = maxMemory };
        Server = new ServerState(Keyspace);
        _session = new RespSession(Server, CommandTable.Default, Server.Connect("127.0.0.1:1234"));
    }

    /// <summary>The keyspace's clock in milliseconds; tests move it.</summary>
    public long Now { get; set; } = 1_000_000;

    public Keyspace Keyspace { get; }

    public ServerState Server { get; }

    public ClientState Client => _session.Client;

    /// <summary>Sends one multibulk request and returns the reply.</summary>
    public string Run(params string[] args) => Send(Multibulk(args));

    /// <summary>Sends raw bytes (Latin-1) and returns the replies of every complete request in them.</summary>
    public string Send(string raw)
    {
        byte[] input = Encoding.Latin1.GetBytes(raw);
        var output = new ArrayBufferWriter<byte>();
        int consumed = _session.Process(input, output, writable: null, out _);
        consumed.Should().Be(input.Length, "the harness sends whole requests");
        return Encoding.Latin1.GetString(output.WrittenSpan);
    }

    public static string Multibulk(params string[] args)
    {
        var text = new StringBuilder().Append('*').Append(args.Length).Append("\r\n");
        foreach (string arg in args)
        {
            text.Append('$').Append(Encoding.Latin1.GetByteCount(arg)).Append("\r\n").Append(arg).Append("\r\n");
        }
        return text.ToString();
    }

    public static string Bulk(string value) => $"${value.Length}\r\n{value}\r\n";

    public const string Ok = "+OK\r\n";

    public const string Null = "$-1\r\n";

    public static string Integer(long value) => $":{value}\r\n";

    public static string Error(string message) => $"-{message}\r\n";
}
