using Microsoft.Extensions.Logging;

namespace ReactorNet;

/// <summary>
/// The application's logger as the library uses it: an exception it throws (a bug of its own) costs
/// the line it was writing, nothing else. The library logs where it can least afford to be
/// interrupted — between a fault and the clean-up it reports, in the loop's fault handler, on the
/// loop's start and in its teardown — and an exception let out there would skip the close of a
/// connection, end the loop or leave it claimed. Guarding the one door every line goes through keeps
/// each of those places from needing a catch of its own. The exception is not reported: that logger
/// is the one place to report it.
/// </summary>
internal sealed class GuardedLogger(ILogger inner) : ILogger
{
    public bool IsEnabled(LogLevel logLevel)
    {
        try
        {
            return inner.IsEnabled(logLevel);
        }
        catch (Exception)
        {
            return false; // a logger that cannot tell is not asked to write either
        }
    }

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        try
        {
            inner.Log(logLevel, eventId, state, exception, formatter);
        }
        catch (Exception)
        {
            // The line is lost; the caller goes on with what it was doing.
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull
    {
        try
        {
            return inner.BeginScope(state);
        }
        catch (Exception)
        {
            return null;
        }
    }
}
