using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ReactorNet.Tcp;

namespace ReactorNet.Hosting.Tests;

public sealed class LifecycleTests
{
    [Fact]
    public async Task Stopping_the_host_closes_live_connections_gracefully()
    {
        HostApplicationBuilder builder = TestHost.CreateBuilder(TestHost.LoopbackServer("Echo"));
        builder.Services.AddSingleton<ConnectionJournal>();
        builder.Services.AddReactorTcpServer<EchoHandler>("Echo");
        using IHost host = builder.Build();
        await host.StartAsync();
        ConnectionJournal journal = host.Services.GetRequiredService<ConnectionJournal>();
        using Socket client = await TestClient.ConnectAsync(host.EndPointOf("Echo"));
        await journal.FirstConnected.WaitAsync(TestHost.Timeout);

        Task stopping = host.StopAsync();
        // The server sends FIN; a well-behaved client answers with its own, which completes the close.
        (await client.ReadUntilEndAsync()).Should().Be("FIN");
        client.Shutdown(SocketShutdown.Send);

        await stopping.WaitAsync(TestHost.Timeout);
        journal.FirstClosed.IsCompleted.Should().BeTrue("StopAsync returns after the loops ran every connection's OnClosed and exited");
        (await journal.FirstClosed).Should().Be(CloseReason.Graceful);
    }

    [Fact]
    public async Task A_client_that_never_closes_is_forced_out_when_the_shutdown_timeout_passes()
    {
        Dictionary<string, string?> settings = TestHost.LoopbackServer("Echo");
        // The transport alone would wait ten minutes for the client's FIN: only the host's
        // timeout can end this connection.
        settings["ReactorNet:Servers:Echo:Connection:CloseTimeout"] = "00:10:00";
        HostApplicationBuilder builder = TestHost.CreateBuilder(settings);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(200));
        builder.Services.AddSingleton<ConnectionJournal>();
        builder.Services.AddReactorTcpServer<EchoHandler>("Echo");
        using IHost host = builder.Build();
        await host.StartAsync();
        ConnectionJournal journal = host.Services.GetRequiredService<ConnectionJournal>();
        using Socket client = await TestClient.ConnectAsync(host.EndPointOf("Echo"));
        await journal.FirstConnected.WaitAsync(TestHost.Timeout);

        await host.StopAsync().WaitAsync(TestHost.Timeout); // the client reads nothing and never closes

        journal.FirstClosed.IsCompleted.Should().BeTrue("StopAsync returns after the aborted connections' OnClosed ran");
        (await journal.FirstClosed).Should().Be(CloseReason.Shutdown);
        // It saw the graceful close's FIN (sent at once) and then the abort's RST, or only the RST.
        (await client.ReadUntilEndAsync()).Should().BeOneOf("FIN", "RST");
    }

    [Fact]
    public async Task A_port_in_use_fails_the_start_with_the_bind_error_and_leaves_nothing_running()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen();
        Dictionary<string, string?> settings = TestHost.LoopbackServer("Second");
        settings["ReactorNet:Servers:First:Port"] = "0";
        int port = ((IPEndPoint)taken.LocalEndPoint!).Port;
        settings["ReactorNet:Servers:Second:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        HostApplicationBuilder builder = TestHost.CreateBuilder(settings);
        builder.Services.AddSingleton<ConnectionJournal>();
        builder.Services.AddReactorTcpServer<EchoHandler>("First");
        builder.Services.AddReactorTcpServer<EchoHandler>("Second");
        using IHost host = builder.Build();

        Func<Task> start = () => host.StartAsync();

        // The transport's own error, unwrapped: it names the call and the address.
        (await start.Should().ThrowAsync<Exception>()).Which.Message.Should().Contain($"bind(127.0.0.1:{port})");
        host.Services.GetRequiredService<ReactorServers>().Names.Should().BeEmpty();
        host.Services.GetRequiredService<ReactorGroup>().Reactors.Should().OnlyContain(r => !r.IsRunning, "a failed start stops the loops it started");
    }
}
