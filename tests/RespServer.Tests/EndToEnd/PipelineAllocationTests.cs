using System.Net;
using System.Net.Sockets;
using System.Text;
using ReactorNet.Samples.Resp.Server;
using ReactorNet.Samples.Resp.Tests.Support;
using ReactorNet.Samples.Tests.Support;

namespace ReactorNet.Samples.Resp.Tests.EndToEnd;

/// <summary>The whole server path (read, parse, execute, reply into the connection's output, write) allocates nothing per request.</summary>
public sealed class PipelineAllocationTests
{
    [Fact]
    public async Task Pipelined_requests_allocate_nothing_on_the_loop_in_steady_state()
    {
        using var server = new RespServerHost(new IPEndPoint(IPAddress.Loopback, 0), loops: 1);
        Reactor loop = server.Loops[0];
        using Socket client = await TestSockets.ConnectAsync(server.LocalEndPoint);
        await client.SendAsync(CommandHarness.Multibulk("SET", "key", "value"));
        (await client.ReceiveTextAsync("+OK\r\n")).Should().Be("+OK\r\n");
        byte[] batch = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(CommandHarness.Multibulk("GET", "key") + "PING\r\n", 8)));
        int replyLength = 8 * (CommandHarness.Bulk("value").Length + "+PONG\r\n".Length);

        long allocated = await LoopAllocations.OfPipelinedBatchesAsync(loop, client, batch, replyLength);

        allocated.Should().Be(0, "8000 pipelined requests were answered from reused buffers");
    }
}
