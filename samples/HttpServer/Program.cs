using Microsoft.Extensions.Logging;
using ReactorNet.Samples.Common;
using ReactorNet.Samples.Http;

const string ProgramName = "HttpServer";
const string Summary =
    "An HTTP/1.1 server on the reactor (strict RFC 9112 parsing): GET/HEAD / and /plaintext, GET /json,\n" +
    "POST / (echoes the body), GET /echo (echoes the header lines), OPTIONS; keep-alive and pipelining.";

HttpServerCommandLine? options = HttpServerCommandLine.Parse(ProgramName, Summary, args, out int exitCode);
if (options is null)
{
    return exitCode;
}

using ILoggerFactory loggerFactory = SampleLogging.CreateFactory();
ILogger logger = loggerFactory.CreateLogger(ProgramName);
ReactorHttpServer? server = null;
return ServerHost.Run(
    ProgramName,
    $"HTTP server ({options.Loops} loop{(options.Loops == 1 ? "" : "s")})",
    logger,
    () => (server = new ReactorHttpServer(options.EndPoint, options.Loops, options.ServerOptions, loggerFactory, options.Backlog)).LocalEndPoint,
    _ => server?.Shutdown(TimeSpan.FromSeconds(5)));
