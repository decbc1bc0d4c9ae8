using System.Net;
using System.Net.Sockets;
using ReactorNet.Samples.Classic;
using ReactorNet.Samples.Common;
using ReactorNet.Samples.Tests.Support;

namespace ReactorNet.Samples.Tests.Classic;

/// <summary>The classic servers as a library: what the benchmarks rely on when they start them in-process.</summary>
public sealed class InProcessServerTests
{
    private static readonly IPEndPoint AnyLoopbackPort = new(IPAddress.Loopback, 0);

    [Theory]
    [InlineData(ClassicMode.Blocking)]
    [InlineData(ClassicMode.Threaded)]
    public async Task Start_binds_an_ephemeral_port_and_echoes(ClassicMode mode)
    {
        using ClassicEchoServer server = mode.CreateServer(AnyLoopbackPort, new EchoProtocol("> "));

        IPEndPoint endPoint = server.Start();

        endPoint.Port.Should().NotBe(0);
        server.LocalEndPoint.Should().Be(endPoint);
        using Socket client = await TestSockets.ConnectAsync(endPoint);
        await client.SendAsync("ping\n");
        (await client.ReceiveTextAsync("> ping\n")).Should().Be("> ping\n");
    }

    [Theory]
    [InlineData(ClassicMode.Blocking)]
    [InlineData(ClassicMode.Threaded)]
    public async Task Dispose_closes_open_connections_and_stops_listening(ClassicMode mode)
    {
        ClassicEchoServer server = mode.CreateServer(AnyLoopbackPort);
        IPEndPoint endPoint = server.Start();
        using Socket client = await TestSockets.ConnectAsync(endPoint);
        await client.SendAsync("x");
        await client.ReceiveExactlyAsync(1);
        server.ConnectionCount.Should().Be(1);

        Task dispose = Task.Run(server.Dispose);
        (await Task.WhenAny(dispose, Task.Delay(TestTimeouts.Network))).Should().Be(dispose, "Dispose must not hang on a connected client");
        await dispose;

        (await client.ReceiveToEndAsync()).Should().BeEmpty("the server closed the connection");
        server.ConnectionCount.Should().Be(0);
        var connectAgain = () => TestSockets.ConnectAsync(endPoint);
        await connectAgain.Should().ThrowAsync<SocketException>();
        server.Dispose(); // a second Dispose is harmless
    }

    [Theory]
    [InlineData(ClassicMode.Blocking)]
    [InlineData(ClassicMode.Threaded)]
    public async Task A_client_resetting_mid_stream_does_not_stop_the_server(ClassicMode mode)
    {
        using ClassicEchoServer server = mode.CreateServer(AnyLoopbackPort);
        IPEndPoint endPoint = server.Start();

        using (Socket rude = await TestSockets.ConnectAsync(endPoint))
        {
            // Keep the server busy echoing (and likely blocked in Send, as nobody reads), then reset.
            byte[] flood = new byte[1 << 20];
            Task sending = rude.SendAsync(flood);
            await rude.ReceiveExactlyAsync(1000);
            rude.LingerState = new LingerOption(true, 0);
            rude.Close(); // linger 0: RST instead of FIN
            await sending.ContinueWith(_ => { }, TaskScheduler.Default); // it may fail once the socket is gone
        }

        using Socket polite = await TestSockets.ConnectAsync(endPoint);
        await polite.SendAsync("still there?");
        (await polite.ReceiveTextAsync("still there?")).Should().Be("still there?");
    }

    [Theory]
    [InlineData("blocking", ClassicMode.Blocking)]
    [InlineData("THREADED", ClassicMode.Threaded)]
    public void Mode_names_parse_without_case(string value, ClassicMode expected)
    {
        ClassicModes.Parse("--mode", value).Should().Be(expected);
    }

    [Fact]
    public void Start_fails_cleanly_when_the_port_is_taken()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(AnyLoopbackPort);
        taken.Listen();
        using ClassicEchoServer server = ClassicMode.Threaded.CreateServer((IPEndPoint)taken.LocalEndPoint!);

        server.Invoking(s => s.Start()).Should().Throw<SocketException>().Which.SocketErrorCode.Should().Be(SocketError.AddressAlreadyInUse);
    }
}
