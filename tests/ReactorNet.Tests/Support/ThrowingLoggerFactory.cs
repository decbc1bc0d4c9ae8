using Microsoft.Extensions.Logging;

namespace ReactorNet.Tests.Support;

/// <summary>A logger that throws on every line its predicate picks (an application's bug), and counts the throws.</summary>
internal sealed class ThrowingLoggerFactory(Func<string, bool> throwsOn) : ILoggerFactory, ILogger
{
    private int _thrown;

    public int Thrown => Volatile.Read(ref _thrown);

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (throwsOn(formatter(state, exception)))
        {
            Interlocked.Increment(ref _thrown);
            throw new InvalidOperationException("logger failed");
        }
    }
}
