using ReactorNet.Samples.Common;

namespace ReactorNet.Samples.Client;

/// <summary>Where to connect: <c>--host</c> (an IP address or a name) and <c>--port</c>, defaulting like the servers.</summary>
internal sealed class EchoClientOptions
{
    public string Host { get; private set; } = "127.0.0.1";

    public int Port { get; private set; } = EchoServerOptions.DefaultPort;

    public void AddTo(CommandLineParser parser) => parser
        .AddOption("--host", "HOST", $"server address or name (default {Host})", v => Host = ParseHost(v))
        .AddOption("--port", "PORT", $"server port (default {Port})", v => Port = OptionValues.Port("--port", v, allowZero: false));

    private static string ParseHost(string value) =>
        string.IsNullOrWhiteSpace(value) ? throw new CommandLineException("--host expects an address or a name, got ''") : value;
}
