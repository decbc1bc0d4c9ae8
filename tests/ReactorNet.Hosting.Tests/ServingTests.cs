using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ReactorNet.Tcp;

namespace ReactorNet.Hosting.Tests;

public sealed class ServingTests
{
    [Fact]
    public async Task A_started_host_echoes_through_a_handler_the_container_built_per_connection()
    {
        HostApplicationBuilder builder = TestHost.CreateBuilder(TestHost.LoopbackServer("Echo"));
        builder.Services.AddSingleton<ConnectionJournal>();
        builder.Services.AddReactorTcpServer<EchoHandler>("Echo");
        using IHost host = builder.Build();
        await host.StartAsync();
        try
        {
            using Socket first = await TestClient.ConnectAsync(host.EndPointOf("Echo"));
            using Socket second = await TestClient.ConnectAsync(host.EndPointOf("Echo"));

            (await first.RoundTripAsync("hello"u8.ToArray())).Should().Equal("hello"u8.ToArray());
            (await second.RoundTripAsync("again"u8.ToArray())).Should().Equal("again"u8.ToArray());
            host.Services.GetRequiredService<ConnectionJournal>().Handlers.Should().HaveCount(2, "an unregistered handler type is created once per connection");
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task A_handler_registered_as_a_singleton_serves_every_connection()
    {
        HostApplicationBuilder builder = TestHost.CreateBuilder(TestHost.LoopbackServer("Echo"));
        builder.Services.AddSingleton<ConnectionJournal>();
        builder.Services.AddSingleton<EchoHandler>();
        builder.Services.AddReactorTcpServer<EchoHandler>("Echo");
        using IHost host = builder.Build();
        await host.StartAsync();
        try
        {
            using Socket first = await TestClient.ConnectAsync(host.EndPointOf("Echo"));
            using Socket second = await TestClient.ConnectAsync(host.EndPointOf("Echo"));
            (await first.RoundTripAsync("a"u8.ToArray())).Should().Equal("a"u8.ToArray());
            (await second.RoundTripAsync("b"u8.ToArray())).Should().Equal("b"u8.ToArray());

            host.Services.GetRequiredService<ConnectionJournal>().Handlers.Should().ContainSingle()
                .Which.Should().BeSameAs(host.Services.GetRequiredService<EchoHandler>());
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task Two_servers_run_side_by_side_each_with_its_own_handler_factory()
    {
        Dictionary<string, string?> settings = TestHost.LoopbackServer("Echo");
        settings["ReactorNet:Servers:Upper:Port"] = "0";
        HostApplicationBuilder builder = TestHost.CreateBuilder(settings);
        builder.Services.AddSingleton<ConnectionJournal>();
        builder.Services.AddReactorTcpServer<EchoHandler>("Echo");
        builder.Services.AddReactorTcpServer("Upper", _ => UpperCase.Instance);
        using IHost host = builder.Build();
        await host.StartAsync();
        try
        {
            host.Services.GetRequiredService<ReactorServers>().Names.Should().BeEquivalentTo("Echo", "Upper");
            using Socket echo = await TestClient.ConnectAsync(host.EndPointOf("Echo"));
            using Socket upper = await TestClient.ConnectAsync(host.EndPointOf("Upper"));
            (await echo.RoundTripAsync("abc"u8.ToArray())).Should().Equal("abc"u8.ToArray());
            Encoding.ASCII.GetString(await upper.RoundTripAsync("abc"u8.ToArray())).Should().Be("ABC");
        }
        finally
        {
            await host.StopAsync();
        }
        host.Services.GetRequiredService<ReactorServers>().Names.Should().BeEmpty("a stopped host has no running servers");
    }

    [Fact]
    public void Registering_two_servers_with_one_name_fails_at_once()
    {
        var services = new ServiceCollection();
        services.AddReactorTcpServer("Echo", _ => UpperCase.Instance);

        Action again = () => services.AddReactorTcpServer("Echo", _ => UpperCase.Instance);

        again.Should().Throw<InvalidOperationException>().WithMessage("*'Echo'*already registered*");
    }

    private sealed class UpperCase : IConnectionHandler
    {
        public static readonly UpperCase Instance = new();

        public int OnData(TcpConnection connection, ReadOnlySpan<byte> data)
        {
            Span<byte> upper = stackalloc byte[data.Length];
            Ascii.ToUpper(data, upper, out int written);
            connection.TrySend(upper[..written]);
            return data.Length;
        }
    }
}
