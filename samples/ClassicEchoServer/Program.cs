using Microsoft.Extensions.Logging;
using ReactorNet.Samples.Classic;
using ReactorNet.Samples.Common;

const string ProgramName = "ClassicEchoServer";
const string Summary =
    "The echo servers a reactor is measured against: --mode blocking serves one client at a time\n" +
    "on one thread; --mode threaded serves each client on a thread of its own.";

var mode = ClassicMode.Blocking;
EchoServerOptions? options = EchoServerOptions.Parse(ProgramName, Summary, args, out int exitCode, parser =>
    parser.AddOption("--mode", "blocking|threaded", "which classic server to run (default blocking)", v => mode = ClassicModes.Parse("--mode", v)));
if (options is null)
{
    return exitCode;
}

using ILoggerFactory loggerFactory = SampleLogging.CreateFactory();
ILogger logger = loggerFactory.CreateLogger(ProgramName);
using ClassicEchoServer server = mode.CreateServer(options.EndPoint, new EchoProtocol(options.Greeting), logger, options.Backlog);
return ServerHost.Run(ProgramName, mode.DisplayName(), logger, server.Start, _ => server.Dispose());
