using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ReactorNet.Tcp;

namespace ReactorNet.Hosting.Tests;

public sealed class ConfigurationTests
{
    private static readonly Dictionary<string, string?> s_everySetting = new()
    {
        ["ReactorNet:Loops:LoopCount"] = "3",
        ["ReactorNet:Loops:MaxEventsPerWait"] = "17",
        ["ReactorNet:Loops:SpinBeforeBlock"] = "00:00:00.005",
        ["ReactorNet:Loops:ThreadName"] = "io",
        ["ReactorNet:Servers:Echo:Host"] = "::1",
        ["ReactorNet:Servers:Echo:Port"] = "4321",
        ["ReactorNet:Servers:Echo:Backlog"] = "12",
        ["ReactorNet:Servers:Echo:ReuseAddress"] = "false",
        ["ReactorNet:Servers:Echo:ReusePort"] = "true",
        ["ReactorNet:Servers:Echo:DualMode"] = "false",
        ["ReactorNet:Servers:Echo:MaxConnections"] = "99",
        ["ReactorNet:Servers:Echo:MaxAcceptsPerWake"] = "7",
        ["ReactorNet:Servers:Echo:LoadBalancing"] = "LeastConnections",
        ["ReactorNet:Servers:Echo:Connection:HighWaterMark"] = "2000",
        ["ReactorNet:Servers:Echo:Connection:LowWaterMark"] = "1000",
        ["ReactorNet:Servers:Echo:Connection:MaxPendingOutputBytes"] = "3000",
        ["ReactorNet:Servers:Echo:Connection:IdleTimeout"] = "00:01:30",
        ["ReactorNet:Servers:Echo:Connection:CloseTimeout"] = "00:00:02",
        ["ReactorNet:Servers:Echo:Connection:NoDelay"] = "false",
    };

    [Fact]
    public void Every_configuration_value_reaches_the_library_options()
    {
        HostApplicationBuilder builder = TestHost.CreateBuilder(s_everySetting);
        builder.Services.AddReactorTcpServer("Echo", _ => throw new InvalidOperationException("not started"));
        using IHost host = builder.Build();

        ReactorGroupOptions loops = host.Services.GetRequiredService<IOptions<ReactorGroupOptions>>().Value;
        loops.LoopCount.Should().Be(3);
        ReactorOptions reactor = loops.ToReactorOptions(null, null);
        reactor.MaxEventsPerWait.Should().Be(17);
        reactor.SpinBeforeBlock.Should().Be(TimeSpan.FromMilliseconds(5));
        reactor.ThreadName.Should().Be("io");
        host.Services.GetRequiredService<ReactorGroup>().Count.Should().Be(3);

        HostedTcpServerOptions hosted = host.Services.GetRequiredService<IOptionsMonitor<HostedTcpServerOptions>>().Get("Echo");
        hosted.ToEndPoint().Should().Be(new IPEndPoint(IPAddress.IPv6Loopback, 4321));
        TcpServerOptions server = hosted.ToTcpServerOptions();
        server.Backlog.Should().Be(12);
        server.ReuseAddress.Should().BeFalse();
        server.ReusePort.Should().BeTrue();
        server.DualMode.Should().BeFalse();
        server.MaxConnections.Should().Be(99);
        server.MaxAcceptsPerWake.Should().Be(7);
        server.LoadBalancing.Should().Be(LoadBalancing.LeastConnections);
        TcpConnectionOptions connection = server.Connection;
        connection.HighWaterMark.Should().Be(2000);
        connection.LowWaterMark.Should().Be(1000);
        connection.MaxPendingOutputBytes.Should().Be(3000);
        connection.IdleTimeout.Should().Be(TimeSpan.FromSeconds(90));
        connection.CloseTimeout.Should().Be(TimeSpan.FromSeconds(2));
        connection.NoDelay.Should().BeFalse();
        TcpConnectionOptions.Default.HighWaterMark.Should().Be(256 * 1024, "binding never writes into the shared defaults");
    }

    [Fact]
    public void Unset_values_keep_the_library_defaults()
    {
        HostApplicationBuilder builder = TestHost.CreateBuilder();
        builder.Services.AddReactorTcpServer("Echo", _ => throw new InvalidOperationException("not started"));
        using IHost host = builder.Build();

        HostedTcpServerOptions hosted = host.Services.GetRequiredService<IOptionsMonitor<HostedTcpServerOptions>>().Get("Echo");
        hosted.ToEndPoint().Should().Be(new IPEndPoint(IPAddress.Loopback, 0));
        hosted.ToTcpServerOptions().Should().BeEquivalentTo(new TcpServerOptions());
        host.Services.GetRequiredService<IOptions<ReactorGroupOptions>>().Value.ToReactorOptions(null, null)
            .Should().BeEquivalentTo(new ReactorOptions());
    }

    [Fact]
    public void The_configure_delegate_runs_after_configuration()
    {
        HostApplicationBuilder builder = TestHost.CreateBuilder(new Dictionary<string, string?>
        {
            ["ReactorNet:Servers:Echo:Port"] = "1111",
            ["ReactorNet:Servers:Echo:Backlog"] = "5",
            ["ReactorNet:Loops:LoopCount"] = "2",
        });
        builder.Services.AddReactorNet(loops => loops.LoopCount = 1);
        builder.Services.AddReactorTcpServer("Echo", _ => throw new InvalidOperationException("not started"), server => server.Port = 2222);
        using IHost host = builder.Build();

        HostedTcpServerOptions hosted = host.Services.GetRequiredService<IOptionsMonitor<HostedTcpServerOptions>>().Get("Echo");
        hosted.Port.Should().Be(2222, "code runs after configuration");
        hosted.Backlog.Should().Be(5, "what code does not set comes from configuration");
        host.Services.GetRequiredService<ReactorGroup>().Count.Should().Be(1);
    }

    [Theory]
    [InlineData("localhost", "127.0.0.1")]
    [InlineData("*", "::")]
    [InlineData("0.0.0.0", "0.0.0.0")]
    public void Host_names_the_listening_address(string host, string address)
    {
        new HostedTcpServerOptions { Host = host, Port = 80 }.ToEndPoint().Should().Be(new IPEndPoint(IPAddress.Parse(address), 80));
    }

    [Fact]
    public void A_unix_socket_path_wins_over_host_and_port()
    {
        new HostedTcpServerOptions { UnixSocketPath = "/run/echo.sock", Port = 80 }.ToEndPoint()
            .Should().Be(new UnixDomainSocketEndPoint("/run/echo.sock"));
    }

    [Theory]
    [InlineData("example.org", 80, "*Host 'example.org' is not an IP address*")]
    [InlineData("127.0.0.1", 65536, "*Port 65536 is out of range*")]
    [InlineData("127.0.0.1", -1, "*Port -1 is out of range*")]
    public void A_bad_address_is_a_clear_error(string host, int port, string message)
    {
        Action endPoint = () => new HostedTcpServerOptions { Host = host, Port = port }.ToEndPoint();
        endPoint.Should().Throw<InvalidOperationException>().WithMessage(message);
    }

    [Fact]
    public async Task A_bad_address_in_configuration_fails_the_start_naming_it()
    {
        Dictionary<string, string?> settings = TestHost.LoopbackServer("Echo");
        settings["ReactorNet:Servers:Echo:Host"] = "nowhere";
        HostApplicationBuilder builder = TestHost.CreateBuilder(settings);
        builder.Services.AddReactorTcpServer("Echo", _ => throw new InvalidOperationException("never called"));
        using IHost host = builder.Build();

        Func<Task> start = () => host.StartAsync();

        await start.Should().ThrowAsync<InvalidOperationException>().WithMessage("*'nowhere'*");
    }
}
