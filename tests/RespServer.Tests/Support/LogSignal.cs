using Microsoft.Extensions.Logging;

namespace ReactorNet.Samples.Resp.Tests.Support;

/// <summary>A logger factory whose <see cref="Logged"/> completes when the awaited entry (category and event id) is written.</summary>
internal sealed class LogSignal(string category, int eventId) : ILoggerFactory
{
    private readonly TaskCompletionSource<string> _logged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _eventId = eventId;

    /// <summary>The message of the first awaited entry.</summary>
    public Task<string> Logged => _logged.Task;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName == category);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(LogSignal signal, bool awaitedCategory) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (awaitedCategory && eventId.Id == signal._eventId)
            {
                signal._logged.TrySetResult(formatter(state, exception));
            }
        }
    }
}
