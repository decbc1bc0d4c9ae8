using System.Text;
using Microsoft.Extensions.Logging;
using ReactorNet.Samples.Common;

namespace ReactorNet.Samples.Tests.Unit;

public sealed class StderrLoggerFactoryTests
{
    [Fact]
    public void Entries_are_single_lines_in_the_console_loggers_format()
    {
        var output = new StringWriter();
        using (var factory = new StderrLoggerFactory(LogLevel.Information, output))
        {
            var logger = factory.CreateLogger("EchoServer");
            logger.LogDebug("below the minimum level");
            logger.Log(LogLevel.Warning, new EventId(7), "two{0}lines", Environment.NewLine);
            logger.LogError(new InvalidOperationException("boom"), "failed");
        }

        var lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        lines.Should().HaveCount(2, "the debug entry is filtered and every entry is one line");
        lines[0].Should().MatchRegex(@"^\d\d:\d\d:\d\d\.\d\d\d warn: EchoServer\[7\] two lines$");
        lines[1].Should().MatchRegex(@"^\d\d:\d\d:\d\d\.\d\d\d fail: EchoServer\[0\] failed System.InvalidOperationException: boom");
    }

    [Fact]
    public void A_blocked_stderr_never_blocks_the_logging_thread_entries_are_dropped_instead()
    {
        using var gate = new ManualResetEventSlim();
        var output = new GatedWriter(gate);
        var factory = new StderrLoggerFactory(LogLevel.Information, output);
        var logger = factory.CreateLogger("Loop");

        // Far more entries than the queue holds while the writer is stuck on its first line: with a
        // waiting queue this loop would block for ever (the test's own thread plays the event loop).
        var logging = Task.Run(() =>
        {
            for (int i = 0; i < 20_000; i++)
                logger.LogInformation("entry {Index}", i);
        });
        logging.Wait(TimeSpan.FromSeconds(30)).Should().BeTrue("logging must not wait for a blocked writer");
        factory.DroppedCount.Should().BeGreaterThan(0);

        gate.Set();
        factory.Dispose();
        output.Lines.Should().BeInRange(1, 20_000 - (int)factory.DroppedCount,
            "what was queued is written on dispose, what was dropped is not");
        output.Lines.Should().BeGreaterThan(1000, "the queue's entries are flushed on dispose");
    }

    private sealed class GatedWriter(ManualResetEventSlim gate) : TextWriter
    {
        private int _lines;
        public int Lines => Volatile.Read(ref _lines);
        public override Encoding Encoding => Encoding.UTF8;
        public override void WriteLine(string? value)
        {
            gate.Wait();
            Interlocked.Increment(ref _lines);
        }
    }
}
