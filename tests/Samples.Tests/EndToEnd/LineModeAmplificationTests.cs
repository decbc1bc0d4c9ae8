using System.Net.Sockets;
using ReactorNet.Samples.Tests.Support;

namespace ReactorNet.Samples.Tests.EndToEnd;

/// <summary>
/// Line mode amplifies: each empty line is answered with the whole greeting (reliability m4).
/// The reply must be produced as the client takes it, with bounded server memory, and arrive
/// complete: not built in one buffer of the full size, and not cut off by the output limit.
/// </summary>
public sealed class LineModeAmplificationTests
{
    [Fact]
    public async Task Empty_lines_with_a_long_greeting_are_all_answered_and_server_memory_stays_bounded()
    {
        const int GreetingLength = 1000, Lines = 64 * 1024; // one read of input asks for about 64 MB of replies
        string greeting = new('g', GreetingLength);
        using SampleProcess server = EchoServerCase.Reactor.Start("--greeting", greeting);
        using Socket client = await TestSockets.ConnectAsync(server.WaitForListening());

        Task send = Task.Run(async () =>
        {
            await client.SendAsync(new byte[Lines].Select(_ => (byte)'\n').ToArray());
            client.Shutdown(SocketShutdown.Send);
        });

        long expected = (long)Lines * (GreetingLength + 1), received = 0;
        var buffer = new byte[256 * 1024];
        int column = 0; // position within the current reply line: every byte must be 'g' except each line's final '\n'
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            int n = await client.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            if (n == 0)
            {
                break;
            }
            for (int i = 0; i < n; i++)
            {
                byte want = column == GreetingLength ? (byte)'\n' : (byte)'g';
                if (buffer[i] != want)
                {
                    throw new InvalidDataException($"Byte {received + i} is {buffer[i]}, expected {want}.");
                }
                column = column == GreetingLength ? 0 : column + 1;
            }
            received += n;
        }
        await send;
        received.Should().Be(expected, "every line is answered, and the connection is not cut off by the output limit");
        ProcessMemory.PeakResidentBytes(server.Id).Should().BeLessThan(160L << 20, "replies are produced as the client reads them, not gathered in one buffer");
    }
}
