using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ReactorNet.Hosting.Tests;

public sealed class DependencyInjectionTests
{
    [Fact]
    public async Task The_library_logs_through_the_containers_logger_factory()
    {
        var provider = new CapturingLoggerProvider();
        HostApplicationBuilder builder = TestHost.CreateBuilder(TestHost.LoopbackServer("Echo"));
        builder.Logging.SetMinimumLevel(LogLevel.Debug).AddProvider(provider);
        builder.Services.AddSingleton<ConnectionJournal>();
        builder.Services.AddReactorTcpServer<EchoHandler>("Echo");
        using IHost host = builder.Build();
        await host.StartAsync();
        try
        {
            // The transport's own "Listening on" line (not the hosting package's): proof that the
            // loops got the container's factory.
            provider.Lines.Should().Contain(l => !l.StartsWith("ReactorNet.Hosting") && l.Contains($"Listening on {host.EndPointOf("Echo")}"));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task The_library_measures_through_the_containers_meter_factory()
    {
        HostApplicationBuilder builder = TestHost.CreateBuilder(TestHost.LoopbackServer("Echo"));
        builder.Services.AddSingleton<ConnectionJournal>();
        builder.Services.AddReactorTcpServer<EchoHandler>("Echo");
        using IHost host = builder.Build();
        IMeterFactory factory = host.Services.GetRequiredService<IMeterFactory>();
        var accepted = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var listener = new MeterListener
        {
            // Only instruments of meters the container's factory created: the process-wide meter
            // of the same name (used when no factory is given) does not count.
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == factory && instrument.Name == "reactor.connections.accepted")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => accepted.TrySetResult(value));
        listener.Start();
        await host.StartAsync();
        try
        {
            using Socket client = await TestClient.ConnectAsync(host.EndPointOf("Echo"));
            (await client.RoundTripAsync("x"u8.ToArray())).Should().Equal("x"u8.ToArray());

            (await accepted.Task.WaitAsync(TestHost.Timeout)).Should().Be(1);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{category}: {formatter(state, exception)}");
        }
    }
}
