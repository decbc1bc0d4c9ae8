using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ReactorNet.Hosting;
using ReactorNet.Samples.Common;
using ReactorNet.Samples.HostedEcho;

// The echo server on the .NET Generic Host: settings from appsettings.json (next to the program),
// environment variables (ReactorNet__Servers__Echo__Port=0) and the command line
// (--ReactorNet:Servers:Echo:Port=0, or the short forms below); Ctrl+C or SIGTERM stop it gracefully.
var hostSettings = new ConfigurationManager();
// A server reads its settings once: no file watcher (an inotify instance) for appsettings.json.
hostSettings.AddInMemoryCollection([new("hostBuilder:reloadConfigOnChange", "false")]);
HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory,
    Configuration = hostSettings,
});
builder.Configuration.AddCommandLine(args, new Dictionary<string, string>
{
    ["--host"] = "ReactorNet:Servers:Echo:Host",
    ["--port"] = "ReactorNet:Servers:Echo:Port",
    ["--loops"] = "ReactorNet:Loops:LoopCount",
});
// stdout carries one line, "listening on HOST:PORT", for scripts and tests; logs go to stderr.
builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);

builder.Services.AddSingleton<EchoHandler>();
builder.Services.AddReactorTcpServer<EchoHandler>("Echo");

using IHost host = builder.Build();
host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() =>
{
    EndPoint endPoint = host.Services.GetRequiredService<ReactorServers>()["Echo"].LocalEndPoint;
    if (endPoint is IPEndPoint ip)
    {
        ListeningLine.Write(ip);
    }
    else
    {
        Console.Out.WriteLine(ListeningLine.Prefix + endPoint);
        Console.Out.Flush();
    }
});
try
{
    await host.RunAsync();
    return ExitCodes.Success;
}
catch (Exception ex) when (ex is IOException or InvalidOperationException or ArgumentException or System.Net.Sockets.SocketException)
{
    // A port in use, a bad address or setting: one clear line, not a stack trace.
    await Console.Error.WriteLineAsync($"HostedEchoServer: {ex.Message}");
    return ExitCodes.Failure;
}
