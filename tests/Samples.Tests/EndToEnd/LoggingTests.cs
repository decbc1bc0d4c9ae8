using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ReactorNet.Samples.Tests.Support;

namespace ReactorNet.Samples.Tests.EndToEnd;

/// <summary>Logging never blocks a loop: not even when nobody reads the log (reliability M9).</summary>
public sealed class LoggingTests
{
    [Fact]
    public async Task A_stderr_pipe_nobody_reads_does_not_stop_the_reactor_server_from_answering()
    {
        using SampleProcess server = SampleProcess.Start(SampleApp.EchoServer, ["--host", "127.0.0.1", "--port", "0"], drainStandardError: false);
        IPEndPoint endPoint = server.WaitForListening();

        // Thousands of short connections: with a log line per connect and disconnect this is far more
        // than the console logger's queue (2500 entries) plus a 64 KiB pipe can hold.
        const int Connections = 3000;
        var budget = Stopwatch.StartNew();
        for (int i = 0; i < Connections && budget.Elapsed < TimeSpan.FromSeconds(60); i++)
        {
            using Socket shortLived = await TestSockets.ConnectAsync(endPoint);
            shortLived.LingerState = new LingerOption(true, 0); // RST: no TIME_WAIT pile-up on the client side
        }

        // A new client is still served promptly.
        using Socket client = await TestSockets.ConnectAsync(endPoint);
        await client.SendAsync("still there?\n");
        using var prompt = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var reply = new byte["still there?\n".Length];
        int got = 0;
        try
        {
            while (got < reply.Length)
            {
                int n = await client.ReceiveAsync(reply.AsMemory(got), SocketFlags.None, prompt.Token);
                n.Should().BePositive("the server must not close the connection");
                got += n;
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No echo within 10 s after {Connections} connections with an unread stderr: a loop is blocked in logging.");
        }
        System.Text.Encoding.ASCII.GetString(reply).Should().Be("still there?\n");
    }
}
