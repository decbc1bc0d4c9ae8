using System.Net;
using System.Net.Sockets;
using System.Text;
using ReactorNet.Samples.Http;
using ReactorNet.Samples.Tests.Support;

namespace ReactorNet.Samples.Tests.Http;

/// <summary>The whole server path (read, parse, respond into the connection's output, write) allocates nothing per request.</summary>
public sealed class HttpPipelineAllocationTests
{
    [Fact]
    public async Task Pipelined_requests_allocate_nothing_on_the_loop_in_steady_state()
    {
        using var server = new ReactorHttpServer(new IPEndPoint(IPAddress.Loopback, 0), loops: 1);
        Reactor loop = server.Loops[0];
        using Socket client = await TestSockets.ConnectAsync(server.LocalEndPoint);
        byte[] batch = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(
            "GET /plaintext HTTP/1.1\r\nHost: a\r\n\r\nGET /json HTTP/1.1\r\nHost: a\r\n\r\n", 8)));
        await client.SendAsync(batch);
        int replyLength = await ReceiveResponsesAsync(client, 16); // the length is the same every time: Date has a fixed width

        long allocated = await LoopAllocations.OfPipelinedBatchesAsync(loop, client, batch, replyLength);

        allocated.Should().Be(0, "8000 pipelined requests (/plaintext and /json through Utf8JsonWriter) were answered from reused buffers");
    }

    /// <summary>Receives <paramref name="count"/> whole responses (each body ends with "Hello, World!" or its JSON form); returns their length.</summary>
    private static async Task<int> ReceiveResponsesAsync(Socket client, int count)
    {
        using var timeout = new CancellationTokenSource(TestTimeouts.Network);
        var text = new StringBuilder();
        byte[] buffer = new byte[64 * 1024];
        while (Occurrences(text.ToString(), "Hello, World!") < count || !(text.ToString().EndsWith("Hello, World!", StringComparison.Ordinal) || text.ToString().EndsWith("\"}", StringComparison.Ordinal)))
        {
            int received = await client.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            received.Should().BePositive("the server answers every request");
            text.Append(Encoding.Latin1.GetString(buffer, 0, received));
        }
        return text.Length;
    }

    private static int Occurrences(string text, string value) => (text.Length - text.Replace(value, "", StringComparison.Ordinal).Length) / value.Length;
}
