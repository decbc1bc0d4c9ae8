using Microsoft.Extensions.Logging;

namespace ReactorNet.Samples.Common;

/// <summary>
/// The samples' logger: one line per entry on <b>stderr</b>, in the format of the console logger's
/// single-line mode (<c>12:00:00.000 info: Category[EventId] message</c>), written by one background
/// writer from a bounded queue that drops new entries when full.
/// </summary>
/// <remarks>
/// Why not Microsoft.Extensions.Logging.Console: it brings dependency injection, options and
/// configuration along (about 8 MiB of RSS in a JIT process, half the footprint of an idle sample
/// server) for features the samples never use (scopes, colours, configuration reload). What the
/// samples need is small: never block the logging thread (an event loop) on a slow or unread stderr
/// (reliability review M9), keep stdout for program output, and flush on dispose.
/// The queue is a plain queue under a lock that is held only to add or take entries, and the
/// writer sleeps in <see cref="Monitor.Wait(object)"/>: an awaited channel would wake it through
/// the thread pool, and starting the pool (its gate, its workers, the timer thread) for one
/// "listening on" line costs four threads and their stacks in every idle server.
/// </remarks>
public sealed class StderrLoggerFactory : ILoggerFactory
{
    private const int QueueCapacity = 1024;
    private readonly Queue<string> _queue = new();
    private bool _completed; // under the lock of _queue
    private readonly Thread _writer;
    private readonly LogLevel _minimumLevel;
    private readonly TextWriter _output;
    private long _dropped;

    /// <summary>Starts the writer thread.</summary>
    /// <param name="minimumLevel">Entries below this level are discarded before they are formatted.</param>
    /// <param name="output">Where lines go; stderr when null.</param>
    public StderrLoggerFactory(LogLevel minimumLevel = LogLevel.Information, TextWriter? output = null)
    {
        _minimumLevel = minimumLevel;
        _output = output ?? Console.Error;
        _writer = new Thread(WriteLines) { IsBackground = true, Name = "log writer" };
        _writer.Start();
    }

    /// <summary>Entries dropped because the queue was full.</summary>
    public long DroppedCount => Interlocked.Read(ref _dropped);

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <summary>Not supported: this factory has exactly one sink.</summary>
    public void AddProvider(ILoggerProvider provider) =>
        throw new NotSupportedException("StderrLoggerFactory writes to stderr only.");

    /// <summary>Writes what is queued (waiting at most two seconds for a blocked stderr), then stops.</summary>
    public void Dispose()
    {
        lock (_queue)
        {
            if (_completed)
                return;
            _completed = true;
            Monitor.Pulse(_queue);
        }
        _writer.Join(TimeSpan.FromSeconds(2));
    }

    private void Enqueue(string line)
    {
        lock (_queue)
        {
            if (_completed)
                return;
            if (_queue.Count >= QueueCapacity)
            {
                Interlocked.Increment(ref _dropped);
                return;
            }
            _queue.Enqueue(line);
            if (_queue.Count == 1)
                Monitor.Pulse(_queue); // the writer waits only when the queue is empty
        }
    }

    private void WriteLines()
    {
        var batch = new List<string>();
        try
        {
            while (true)
            {
                lock (_queue)
                {
                    while (_queue.Count == 0 && !_completed)
                        Monitor.Wait(_queue);
                    if (_queue.Count == 0)
                        return; // completed and drained
                    while (_queue.TryDequeue(out var line))
                        batch.Add(line);
                }
                foreach (string line in batch) // outside the lock: a slow stderr never holds up a logging thread
                    _output.WriteLine(line);
                _output.Flush();
                batch.Clear();
            }
        }
        catch (IOException)
        {
            // stderr closed under us: nothing left to log to.
        }
    }

    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };

    private sealed class Logger(StderrLoggerFactory factory, string category) : ILogger
    {
        public bool IsEnabled(LogLevel logLevel) => logLevel >= factory._minimumLevel && logLevel != LogLevel.None;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
                return;
            string message = formatter(state, exception);
            string line = $"{DateTime.Now:HH:mm:ss.fff} {LevelName(logLevel)}: {category}[{eventId.Id}] {message}";
            if (exception is not null)
                line = $"{line} {exception.ToString().ReplaceLineEndings(" ")}";
            factory.Enqueue(line.ReplaceLineEndings(" "));
        }
    }
}
