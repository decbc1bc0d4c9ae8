using System.Net;
using ReactorNet.Benchmarks.Servers;

namespace ReactorNet.Benchmarks.Echo;

/// <summary>Echo round trips against the .NET async-socket server (<see cref="AsyncEchoServer"/>).</summary>
public class AsyncEchoRoundTripBenchmarks : EchoRoundTripBenchmarks
{
    protected override IEchoServer StartServer(IPEndPoint endPoint) => AsyncEchoServer.Start(endPoint);
}
