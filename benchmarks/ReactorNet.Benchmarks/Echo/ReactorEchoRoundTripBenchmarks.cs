using System.Net;
using ReactorNet.Benchmarks.Servers;
using ReactorNet.Samples.Common;
using ReactorNet.Samples.Echo;

namespace ReactorNet.Benchmarks.Echo;

/// <summary>Echo round trips against the reactor server with one event loop.</summary>
public class ReactorOneLoopRoundTripBenchmarks : EchoRoundTripBenchmarks
{
    protected override IEchoServer StartServer(IPEndPoint endPoint)
    {
        var server = new ReactorEchoServer(endPoint, 1, EchoProtocol.Plain);
        return new StartedEchoServer(server.LocalEndPoint, server);
    }
}

/// <summary>Echo round trips against the reactor server with one event loop per core.</summary>
public class ReactorLoopPerCoreRoundTripBenchmarks : EchoRoundTripBenchmarks
{
    protected override IEchoServer StartServer(IPEndPoint endPoint)
    {
        var server = new ReactorEchoServer(endPoint, Environment.ProcessorCount, EchoProtocol.Plain);
        return new StartedEchoServer(server.LocalEndPoint, server);
    }
}
