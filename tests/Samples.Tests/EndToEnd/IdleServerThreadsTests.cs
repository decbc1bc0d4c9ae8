using ReactorNet.Samples.Tests.Support;

namespace ReactorNet.Samples.Tests.EndToEnd;

/// <summary>
/// An idle echo server runs its loops, the log writer and the runtime's own threads, and no thread
/// pool: the pool's gate, workers and timer thread are stacks and allocator arenas in every idle
/// process (issue #10: memory at 10,000 connections), and nothing on the startup path needs them.
/// </summary>
public sealed class IdleServerThreadsTests
{
    [Fact]
    public void A_started_echo_server_whose_first_log_line_is_written_has_started_no_thread_pool_thread()
    {
        using SampleProcess server = EchoServerCase.Reactor.Start();
        // The "listening on" entry reaches stderr through the log writer: once it is there, the
        // writer has been woken, which through an awaited queue took a thread-pool thread.
        server.WaitForStandardError("listening on");
        string[] threads = Directory.GetDirectories($"/proc/{server.Id}/task")
            .Select(task => File.ReadAllText(Path.Combine(task, "comm")).Trim())
            .ToArray();
        threads.Should().Contain("log writer");
        threads.Should().NotContain(name => name.StartsWith(".NET TP", StringComparison.Ordinal) || name == ".NET Timer",
            $"no thread pool at idle (threads: {string.Join(", ", threads)})");
    }
}
