using Microsoft.Extensions.Logging;
using ReactorNet.Samples.Common;
using ReactorNet.Samples.Proxy;

const string ProgramName = "TcpProxy";
const string Summary =
    "A TCP proxy on the reactor: every client connection gets one connection to --upstream, on the\n" +
    "same event loop; bytes flow both ways with backpressure, FIN is passed on as FIN, RST as RST.";

ProxyOptions? options = ProxyOptions.Parse(ProgramName, Summary, args, out int exitCode);
if (options is null)
{
    return exitCode;
}

using ILoggerFactory loggerFactory = SampleLogging.CreateFactory();
ILogger logger = loggerFactory.CreateLogger(ProgramName);
ProxyServer? server = null;
return ServerHost.Run(
    ProgramName,
    $"TCP proxy to {options.Upstream} ({options.Loops} loop{(options.Loops == 1 ? "" : "s")})",
    logger,
    () => (server = new ProxyServer(options, loggerFactory)).LocalEndPoint,
    stopNow => server?.Shutdown(TimeSpan.FromSeconds(5), stopNow));
