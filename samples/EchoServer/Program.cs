using Microsoft.Extensions.Logging;
using ReactorNet.Samples.Common;
using ReactorNet.Samples.Echo;

const string ProgramName = "EchoServer";
const string Summary =
    "The reactor echo server: epoll event loops (--loops N, one thread each) serve every client.\n" +
    "Plain byte-for-byte echo (RFC 862), or line mode with --greeting TEXT.";

int loops = 1;
var spin = TimeSpan.Zero;
// Safe by default: an idle or dead client cannot hold a connection forever, and a connection
// flood stops at a limit instead of at the descriptor limit.
int maxConnections = 20_000;
int idleSeconds = 120;
// Graceful shutdown waits for each client's FIN; an idle interactive client (nc, EchoClient) never
// sends one by itself, so the wait is short by default. A second Ctrl+C ends it at once.
var shutdownTimeout = TimeSpan.FromSeconds(2);
bool stats = false;
EchoServerOptions? options = EchoServerOptions.Parse(ProgramName, Summary, args, out int exitCode, parser => parser
    .AddOption("--loops", "N", $"event loops, one thread each (default {loops})", v => loops = OptionValues.PositiveInt32("--loops", v))
    .AddOption("--shutdown-timeout", "SECONDS", $"on Ctrl+C or SIGTERM, wait this long for clients to close (default {shutdownTimeout.TotalSeconds:0})",
        v => shutdownTimeout = TimeSpan.FromSeconds(OptionValues.PositiveInt32("--shutdown-timeout", v)))
    .AddOption("--spin-us", "MICROSECONDS", "busy-poll this long before each loop sleeps (default 0: never; costs CPU)",
        v => spin = TimeSpan.FromMicroseconds(OptionValues.PositiveInt32("--spin-us", v)))
    .AddOption("--max-connections", "N", $"refuse (RST) connections beyond N open ones, 0 for no limit (default {maxConnections})",
        v => maxConnections = OptionValues.NonNegativeInt32("--max-connections", v))
    .AddOption("--idle-timeout", "SECONDS", $"close a connection that sent and received nothing for this long, 0 for never (default {idleSeconds})",
        v => idleSeconds = OptionValues.NonNegativeInt32("--idle-timeout", v))
    .AddFlag("--stats", "print the loops' counters (wake-ups, events, accepted, rejected) on stdout at each SIGUSR1", () => stats = true));
if (options is null)
{
    return exitCode;
}

using ILoggerFactory loggerFactory = SampleLogging.CreateFactory();
ILogger logger = loggerFactory.CreateLogger(ProgramName);
using LoopStats? loopStats = stats ? new LoopStats(Console.Out) : null;
ReactorEchoServer? server = null;
return ServerHost.Run(
    ProgramName,
    $"reactor echo server ({loops} loop{(loops == 1 ? "" : "s")})",
    logger,
    () => (server = new ReactorEchoServer(options.EndPoint, loops, new EchoProtocol(options.Greeting), loggerFactory, options.Backlog,
        new ReactorNet.ReactorOptions { SpinBeforeBlock = spin }, maxConnections, TimeSpan.FromSeconds(idleSeconds))).LocalEndPoint,
    stopNow => server?.Shutdown(shutdownTimeout, stopNow));
