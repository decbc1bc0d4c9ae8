using ReactorNet.Samples.Http.Protocol;
using static ReactorNet.Samples.Tests.Http.HttpTestKit;

namespace ReactorNet.Samples.Tests.Http;

/// <summary>The protocol core allocates nothing per request once a connection is warmed up.</summary>
public sealed class HttpAllocationTests
{
    [Fact]
    public void Parsing_and_answering_requests_allocates_nothing_in_steady_state()
    {
        byte[] requests = Bytes(
            "GET /plaintext HTTP/1.1\r\nHost: a\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n" +
            "GET /json HTTP/1.1\r\nHost: a\r\n\r\n" +
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello" +
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\n\r\n" +
            "GET /echo HTTP/1.1\r\nHost: a\r\n\r\n" +
            "GET /missing HTTP/1.1\r\nHost: a\r\n\r\n");
        HttpSession session = Session();
        var output = new System.Buffers.ArrayBufferWriter<byte>(64 * 1024);
        for (int i = 0; i < 100; i++) // warm-up: pools filled, code jitted
        {
            output.ResetWrittenCount();
            session.Process(requests, output, 0).Should().Be(requests.Length);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            output.ResetWrittenCount();
            session.Process(requests, output, 0);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        allocated.Should().Be(0, "6000 requests were answered from reused buffers");
        session.RequestCount.Should().Be(6 * 1100);
    }
}
