using Microsoft.Extensions.Logging;
using ReactorNet.Benchmarks.Framed;
using ReactorNet.Samples.Common;

const string ProgramName = "FramedServer";
const string Summary =
    "A length-prefixed request/response server for benchmarks: each request (4-byte big-endian length,\n" +
    "then the payload) is answered by the same frame. Replies are batched: the replies to the requests\n" +
    "of one read leave in one write. --flush-each writes every reply by itself. On exit it prints\n" +
    "'requests N write-calls M write-calls-per-request R' (all connections, counted as they close).";

int loops = 1;
bool flushEach = false;
var shutdownTimeout = TimeSpan.FromSeconds(2);
EchoServerOptions? options = EchoServerOptions.Parse(ProgramName, Summary, args, out int exitCode, parser => parser
    .AddOption("--loops", "N", $"event loops, one thread each (default {loops})", v => loops = OptionValues.PositiveInt32("--loops", v))
    .AddFlag("--flush-each", "Flush() after every reply: one write per reply (the baseline)", () => flushEach = true));
if (options is null)
{
    return exitCode;
}
if (options.Greeting is not null)
{
    Console.Error.WriteLine($"{ProgramName}: --greeting is for the line echo servers");
    return ExitCodes.Usage;
}

using ILoggerFactory loggerFactory = SampleLogging.CreateFactory();
ILogger logger = loggerFactory.CreateLogger(ProgramName);
FramedEchoServer? server = null;
int rc = ServerHost.Run(
    ProgramName,
    $"framed server ({loops} loop{(loops == 1 ? "" : "s")}, {(flushEach ? "flush each reply" : "batched replies")})",
    logger,
    () => (server = new FramedEchoServer(options.EndPoint, loops, flushEach, loggerFactory, options.Backlog)).LocalEndPoint,
    stopNow => server?.Shutdown(shutdownTimeout, stopNow));
if (rc == 0 && server is not null)
{
    // Every connection closed (by its client, or by the shutdown) and added its counts.
    Console.Out.WriteLine(server.Totals.Format());
}
return rc;
