using System.Net;
using ReactorNet.Benchmarks.Servers;
using ReactorNet.Samples.Classic;

namespace ReactorNet.Benchmarks.Echo;

/// <summary>Echo round trips against the thread-per-connection server of the samples.</summary>
public class ThreadedEchoRoundTripBenchmarks : EchoRoundTripBenchmarks
{
    protected override IEchoServer StartServer(IPEndPoint endPoint)
    {
        var server = new ThreadPerConnectionEchoServer(endPoint);
        return new StartedEchoServer(server.Start(), server);
    }
}
