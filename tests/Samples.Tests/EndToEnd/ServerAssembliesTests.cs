using System.Net.Sockets;
using ReactorNet.Samples.Tests.Support;

namespace ReactorNet.Samples.Tests.EndToEnd;

/// <summary>
/// Every assembly a JIT process loads costs the pages of it that are touched (System.Linq about
/// 0.7 MiB, System.Net.Sockets 0.5 MiB in the echo server at 10,000 connections: issue #10). An
/// echo server on an IP endpoint needs neither: LINQ was only a convenience on startup paths, and
/// System.Net.Sockets holds the Unix-socket endpoint type, which only a Unix-socket server needs.
/// </summary>
public sealed class ServerAssembliesTests
{
    [Fact]
    public void An_echo_server_on_IPv4_that_has_echoed_has_loaded_neither_System_Linq_nor_System_Net_Sockets()
    {
        using SampleProcess server = EchoServerCase.ReactorTwoLoops.Start();
        var endPoint = server.WaitForListening();
        using (var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            client.ReceiveTimeout = (int)TestTimeouts.Network.TotalMilliseconds;
            client.Connect(endPoint);
            client.Send("ping"u8);
            var reply = new byte[4];
            int received = 0;
            while (received < reply.Length)
            {
                int n = client.Receive(reply, received, reply.Length - received, SocketFlags.None);
                n.Should().BePositive("the server echoes");
                received += n;
            }
            reply.Should().Equal("ping"u8.ToArray());
        }

        string[] assemblies = File.ReadAllLines($"/proc/{server.Id}/maps")
            .Select(line => Path.GetFileName(line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Last()))
            .Where(name => name.EndsWith(".dll", StringComparison.Ordinal))
            .Distinct()
            .ToArray();
        assemblies.Should().Contain("ReactorNet.dll", "the maps list the loaded assemblies");
        assemblies.Should().NotContain(["System.Linq.dll", "System.Net.Sockets.dll"], $"loaded: {string.Join(", ", assemblies)}");
    }
}
