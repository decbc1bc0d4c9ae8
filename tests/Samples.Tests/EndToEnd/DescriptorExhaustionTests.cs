using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using ReactorNet.Samples.Tests.Support;

namespace ReactorNet.Samples.Tests.EndToEnd;

/// <summary>
/// PITFALLS #5: out of descriptors, accept() fails with EMFILE while the connection stays queued,
/// so the listening socket stays readable. A naive loop spins at 100 % CPU and floods the log.
/// And the .NET runtime needs descriptors of its own: every thread it starts takes a pipe for a
/// moment, and a failed start is an OutOfMemoryException that kills the process ("Out of
/// memory."). The reactor server runs here as a child process with a low descriptor limit.
/// </summary>
public sealed partial class DescriptorExhaustionTests
{
    private const int Limit = 160;   // the dotnet host itself holds about 65 descriptors
    private const int Clients = 300; // far more than the server can accept

    /// <summary>The acceptor keeps min(32, limit / 4) descriptors free; the runtime may hold a few of them at a time.</summary>
    private const int MinFreeDescriptors = 16;

    /// <summary>Connections arriving during the window: each one makes the listener readable again.</summary>
    private const int Arrivals = 3000;

    /// <summary>
    /// Wake-ups of the loop while connections keep arriving for a second. Paused with a back-off
    /// growing from 10 ms, the acceptor wakes at most about 10 times in it; one that watches a
    /// readable listener wakes for (nearly) every arrival.
    /// </summary>
    private const int MaxWakeups = 60;

    [Fact]
    public async Task A_connect_storm_past_the_descriptor_limit_keeps_descriptors_for_the_runtime_neither_spins_nor_kills_the_server_and_accepting_resumes()
    {
        using SampleProcess server = SampleProcess.Start(SampleApp.EchoServer, ["--host", "127.0.0.1", "--port", "0", "--stats"], maxOpenFiles: Limit);
        IPEndPoint endPoint = server.WaitForListening();
        var clients = new List<Socket>();
        try
        {
            for (int i = 0; i < Clients; i++)
            {
                var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
                client.Connect(endPoint); // the kernel completes handshakes into the accept queue
                clients.Add(client);
            }
            server.WaitForStandardError("EMFILE");

            // The server stopped accepting before its table was full: the runtime can still start a
            // thread (a pipe each) or open a file. Linux hands out the lowest free number, so these
            // are counted, not guessed from the numbers.
            int open = OpenDescriptors(server);
            open.Should().BeLessThanOrEqualTo(Limit - MinFreeDescriptors,
                "the acceptor must leave descriptors to the runtime (limit {0})" + server.Describe(), Limit);

            // Keep the listener readable for a second: a loop that does not pause it wakes for every arrival.
            Stats before = RequestStats(server, 1);
            await ConnectForAboutASecondAsync(endPoint);
            Stats after = RequestStats(server, 2);
            (after.Wakeups - before.Wakeups).Should().BeLessThan(MaxWakeups,
                "a paused listener does not wake the loop for each arrival ({0} .. {1})" + server.Describe(), before, after);
            CountLines(server.StandardError, "EMFILE").Should().BeLessThan(10, "the warning is rate-limited");
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }

        // Descriptors are free again: a new client is served (after at most one back-off period).
        string reply = await EchoWithRetryAsync(endPoint, "still alive\n");
        reply.Should().Be("still alive\n");
        server.SendSignal(Posix.SIGTERM);
        server.WaitForExit().Should().Be(0, server.Describe());
    }

    /// <summary>Connects and closes at once, <see cref="Arrivals"/> times or for a second, whichever ends first.</summary>
    private static async Task ConnectForAboutASecondAsync(IPEndPoint endPoint)
    {
        using var window = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        for (int i = 0; i < Arrivals && !window.IsCancellationRequested; i++)
        {
            using var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await client.ConnectAsync(endPoint, window.Token);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                // A full accept queue drops the SYN (the kernel would retry it later): the window ends anyway.
            }
        }
    }

    private static Stats RequestStats(SampleProcess server, int number)
    {
        server.SendSignal(Posix.SIGUSR1);
        string line = server.WaitForStandardOutputLine($"stats {number}:");
        Match match = StatsLine().Match(line);
        match.Success.Should().BeTrue("'{0}' is a stats line", line);
        return new Stats(long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), line);
    }

    private static int OpenDescriptors(SampleProcess server)
    {
        try
        {
            return Directory.GetFileSystemEntries($"/proc/{server.Id}/fd").Length;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The server died out of descriptors: say so with its output, not as a missing directory.
            throw new InvalidOperationException("the server process is gone" + server.Describe(), ex);
        }
    }

    private static async Task<string> EchoWithRetryAsync(IPEndPoint endPoint, string text)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                using Socket socket = await TestSockets.ConnectAsync(endPoint);
                await socket.SendAsync(text);
                return await socket.ReceiveTextAsync(text);
            }
            catch (Exception ex) when (ex is SocketException or IOException && attempt < 20)
            {
                // Shed while the server still held the old connections: try again.
            }
        }
    }

    private static int CountLines(string text, string word) => text.Split('\n').Count(l => l.Contains(word));

    [GeneratedRegex(@"wakeups=(\d+)")]
    private static partial Regex StatsLine();

    private sealed record Stats(long Wakeups, string Line)
    {
        public override string ToString() => Line;
    }
}
