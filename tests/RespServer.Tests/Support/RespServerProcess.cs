using System.Net;
using ReactorNet.Samples.Tests.Support;
using StackExchange.Redis;

namespace ReactorNet.Samples.Resp.Tests.Support;

/// <summary>RespServer as a real process on a free port, and clients for it.</summary>
internal static class RespServerProcess
{
    public static readonly SampleApp App = new("RespServer");

    public static SampleProcess Start(params string[] arguments) => SampleProcess.Start(App, ["--port", "0", .. arguments]);

    /// <summary>A StackExchange.Redis multiplexer with generous, bounded timeouts (the machine may be loaded).</summary>
    public static async Task<ConnectionMultiplexer> ConnectAsync(IPEndPoint endPoint, TextWriter? log = null)
    {
        var options = new ConfigurationOptions
        {
            EndPoints = { endPoint },
            AbortOnConnectFail = true,
            ConnectTimeout = (int)TestTimeouts.Network.TotalMilliseconds,
            SyncTimeout = (int)TestTimeouts.Network.TotalMilliseconds,
            AsyncTimeout = (int)TestTimeouts.Network.TotalMilliseconds,
            ConnectRetry = 0,
        };
        return await ConnectionMultiplexer.ConnectAsync(options, log);
    }
}
