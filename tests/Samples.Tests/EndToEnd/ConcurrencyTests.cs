using System.Net;
using System.Net.Sockets;
using ReactorNet.Samples.Tests.Support;

namespace ReactorNet.Samples.Tests.EndToEnd;

/// <summary>The point of the samples: who gets served while someone else is connected.</summary>
public sealed class ConcurrencyTests
{
    [Fact]
    public async Task The_blocking_server_serves_the_second_client_only_after_the_first_leaves()
    {
        using SampleProcess process = EchoServerCase.ClassicBlocking.Start();
        IPEndPoint endPoint = process.WaitForListening();

        Socket first = await TestSockets.ConnectAsync(endPoint);
        await first.SendAsync("first\n");
        (await first.ReceiveTextAsync("first\n")).Should().Be("first\n", "the first client is being served");

        // The kernel completes the handshake from the backlog, so the second client is connected...
        using Socket second = await TestSockets.ConnectAsync(endPoint);
        await second.SendAsync("second\n");
        Task<string> secondEcho = second.ReceiveTextAsync("second\n");

        // ...but unanswered while the first one stays. This bounded wait must run out.
        (await Task.WhenAny(secondEcho, Task.Delay(TestTimeouts.MustNotHappen))).Should().NotBe(secondEcho,
            "the blocking server must not answer a second client while the first is connected");

        first.Shutdown(SocketShutdown.Send);
        (await first.ReceiveToEndAsync()).Should().BeEmpty();
        first.Dispose();

        (await secondEcho).Should().Be("second\n", "the second client is served once the first has left");
    }

    [Theory]
    [MemberData(nameof(EchoServerCase.Concurrent), MemberType = typeof(EchoServerCase))]
    public async Task Many_clients_are_served_at_once(string server)
    {
        const int Clients = 50;
        using SampleProcess process = EchoServerCase.Get(server).Start();
        IPEndPoint endPoint = process.WaitForListening();

        Socket[] clients = await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => TestSockets.ConnectAsync(endPoint)));
        try
        {
            // Every client talks while all of them stay connected: none may wait for another to leave.
            string[] replies = await Task.WhenAll(clients.Select(async (client, i) =>
            {
                string message = $"client {i} says hello\n";
                await client.SendAsync(message);
                return await client.ReceiveTextAsync(message);
            }));

            replies.Should().Equal(Enumerable.Range(0, Clients).Select(i => $"client {i} says hello\n"));
        }
        finally
        {
            foreach (Socket client in clients)
            {
                client.Dispose();
            }
        }
    }
}
