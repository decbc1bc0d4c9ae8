using System.Net;
using System.Net.Sockets;
using System.Text;
using ReactorNet.Samples.Tests.Support;

namespace ReactorNet.Samples.Tests.EndToEnd;

/// <summary>The protocol over real sockets, against every echo server program.</summary>
public sealed class EchoProtocolTests
{
    [Theory]
    [MemberData(nameof(EchoServerCase.All), MemberType = typeof(EchoServerCase))]
    public async Task Echo_is_byte_exact_for_binary_data_in_random_sized_writes(string server)
    {
        int seed = Environment.TickCount;
        var random = new Random(seed);
        byte[] data = new byte[64 * 1024];
        random.NextBytes(data);

        using SampleProcess process = EchoServerCase.Get(server).Start();
        using Socket client = await TestSockets.ConnectAsync(process.WaitForListening());

        // Read while writing: a server that echoes as it goes would otherwise fill both socket buffers.
        Task<byte[]> echoed = client.ReceiveExactlyAsync(data.Length);
        for (int offset = 0; offset < data.Length;)
        {
            int size = Math.Min(random.Next(1, 4096), data.Length - offset);
            await client.SendAsync(data.AsMemory(offset, size));
            offset += size;
        }

        (await echoed).Should().Equal(data, $"the echo must be byte-exact (seed {seed})");
        client.Shutdown(SocketShutdown.Send);
        (await client.ReceiveToEndAsync()).Should().BeEmpty("the server closes once the client has finished");
    }

    [Theory]
    [MemberData(nameof(EchoServerCase.All), MemberType = typeof(EchoServerCase))]
    public async Task Greeting_mode_answers_line_by_line_however_lines_are_split_or_joined(string server)
    {
        using SampleProcess process = EchoServerCase.Get(server).Start("--greeting", "Hello, ");
        using Socket client = await TestSockets.ConnectAsync(process.WaitForListening());

        // A line split across writes.
        await client.SendAsync("wor");
        await client.SendAsync("ld\n");
        (await client.ReceiveTextAsync("Hello, world\n")).Should().Be("Hello, world\n");

        // Several lines in one write, \r\n kept, an empty line.
        await client.SendAsync("one\r\ntwo\n\nthree\n");
        const string several = "Hello, one\r\nHello, two\nHello, \nHello, three\n";
        (await client.ReceiveTextAsync(several)).Should().Be(several);

        // Lines that end and start within the same writes.
        await client.SendAsync("a\nb");
        await client.SendAsync("c\nd");
        await client.SendAsync("\n");
        const string joined = "Hello, a\nHello, bc\nHello, d\n";
        (await client.ReceiveTextAsync(joined)).Should().Be(joined);

        // An unfinished last line is still answered when the client finishes.
        await client.SendAsync("tail");
        client.Shutdown(SocketShutdown.Send);
        Encoding.UTF8.GetString(await client.ReceiveToEndAsync()).Should().Be("Hello, tail");
    }

    [Theory]
    [MemberData(nameof(EchoServerCase.All), MemberType = typeof(EchoServerCase))]
    public void The_listening_line_is_the_only_stdout_and_names_the_real_port(string server)
    {
        using SampleProcess process = EchoServerCase.Get(server).Start();

        IPEndPoint endPoint = process.WaitForListening();

        endPoint.Address.Should().Be(IPAddress.Loopback);
        endPoint.Port.Should().BeInRange(1, IPEndPoint.MaxPort);
        process.StandardOutputLines.Should().Equal($"listening on 127.0.0.1:{endPoint.Port}");
    }
}
