using System.Net;
using System.Net.Sockets;
using ReactorNet.Samples.Tests.Support;

namespace ReactorNet.Samples.Tests.EndToEnd;

/// <summary>
/// PITFALLS #5: out of descriptors, accept() fails with EMFILE while the connection stays queued,
/// so the listening socket stays readable. A naive loop spins at 100 % CPU and floods the log.
/// The reactor server runs here as a child process with a low descriptor limit.
/// </summary>
public sealed class DescriptorExhaustionTests
{
    private const int Limit = 160;   // the dotnet host itself holds about 90 descriptors
    private const int Clients = 300; // far more than the server can accept

    [Fact]
    public async Task A_connect_storm_past_the_descriptor_limit_neither_spins_nor_kills_the_loop_and_accepting_resumes()
    {
        using SampleProcess server = SampleProcess.Start(SampleApp.EchoServer, ["--host", "127.0.0.1", "--port", "0"], maxOpenFiles: Limit);
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
            SpinWait.SpinUntil(() => server.StandardError.Contains("EMFILE"), TestTimeouts.Network)
                .Should().BeTrue("the server must run out of descriptors and say so" + server.Describe());

            // Observe the server for a second: a loop spinning on a readable listener burns a whole core.
            double before = CpuSeconds(server);
            await Task.Delay(TimeSpan.FromSeconds(1));
            double used = CpuSeconds(server) - before;
            used.Should().BeLessThan(0.5, "a paused listener costs (almost) nothing" + server.Describe());
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

    private static double CpuSeconds(SampleProcess server)
    {
        // /proc/PID/stat: fields 14 and 15 are utime and stime in clock ticks (USER_HZ = 100).
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{server.Id}/stat");
        }
        catch (IOException ex)
        {
            // The server died out of descriptors: say so with its output, not as a missing file.
            throw new InvalidOperationException("the server process is gone" + server.Describe(), ex);
        }
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11]) + long.Parse(fields[12])) / 100.0;
    }

    private static int CountLines(string text, string word) => text.Split('\n').Count(l => l.Contains(word));
}
