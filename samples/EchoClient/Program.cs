using ReactorNet.Samples.Client;
using ReactorNet.Samples.Common;

var options = new EchoClientOptions();
var parser = new CommandLineParser(
    "EchoClient",
    "Sends each line read from stdin to an echo server and prints the reply line.\n" +
    "The prompt is shown only when stdin is a terminal, so piped output holds just the replies.\n" +
    "End with Ctrl+D (end of input) or Ctrl+C.");
options.AddTo(parser);
if (parser.ParseOrExit(args, Console.Out, Console.Error) is int exitCode)
{
    return exitCode;
}

using var shutdown = new ShutdownSignal();
var client = new InteractiveClient(Console.In, Console.Out, Console.Error, prompt: !Console.IsInputRedirected);
return await client.RunAsync(options, shutdown.Token);
