using Microsoft.Extensions.Logging;
using ReactorNet.Samples.Common;
using ReactorNet.Samples.Resp;
using ReactorNet.Samples.Resp.Server;

const string ProgramName = "RespServer";
const string Summary =
    "A Redis-protocol (RESP2) server on the reactor: strings with expiry, pipelining, redis-cli,\n" +
    "redis-benchmark and Redis client libraries. Data lives in memory only.";

RespServerOptions? options = RespServerOptions.Parse(ProgramName, Summary, args, out int exitCode);
if (options is null)
{
    return exitCode;
}

using ILoggerFactory loggerFactory = SampleLogging.CreateFactory();
ILogger logger = loggerFactory.CreateLogger(ProgramName);
RespServerHost? server = null;
return ServerHost.Run(
    ProgramName,
    $"RESP server ({options.Loops} loop{(options.Loops == 1 ? "" : "s")})",
    logger,
    () => (server = new RespServerHost(options.EndPoint, options.Loops, options.MaxMemory, loggerFactory: loggerFactory)).LocalEndPoint,
    stopNow => server?.Shutdown(TimeSpan.FromSeconds(5), stopNow));
