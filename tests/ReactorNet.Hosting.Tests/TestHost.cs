using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ReactorNet.Tcp;

namespace ReactorNet.Hosting.Tests;

/// <summary>Builds an in-process host with in-memory configuration (no files, no environment, no console logging).</summary>
internal static class TestHost
{
    /// <summary>Bounds every wait that is expected to succeed; a passing run never waits for it.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    public static HostApplicationBuilder CreateBuilder(IDictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        builder.Services.AddMetrics();
        return builder;
    }

    public static IPEndPoint EndPointOf(this IHost host, string server) =>
        (IPEndPoint)host.Services.GetRequiredService<ReactorServers>()[server].LocalEndPoint;

    /// <summary>A loopback server on port 0 with one loop: what most tests need.</summary>
    public static Dictionary<string, string?> LoopbackServer(string name) => new()
    {
        ["ReactorNet:Loops:LoopCount"] = "1",
        [$"ReactorNet:Servers:{name}:Host"] = "127.0.0.1",
        [$"ReactorNet:Servers:{name}:Port"] = "0",
    };
}
