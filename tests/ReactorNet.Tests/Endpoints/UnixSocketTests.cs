using System.Net;
using System.Net.Sockets;
using ReactorNet.Tcp;
using ReactorNet.Tests.Support;
using ReactorNet.Tests.Tcp;

namespace ReactorNet.Tests.Endpoints;

/// <summary>Unix-domain endpoints: abstract names, a full backlog, and who owns the socket file.</summary>
public sealed class UnixSocketTests
{
    private static string TempSocketPath() => Path.Combine(Path.GetTempPath(), $"reactornet-{Guid.NewGuid():N}.sock");

    private static Socket UnixClient() => new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);

    [Fact]
    public async Task An_abstract_name_binds_and_connects_as_an_abstract_socket_and_creates_no_file()
    {
        string name = $"reactornet-abstract-{Guid.NewGuid():N}";
        var endPoint = new UnixDomainSocketEndPoint("\0" + name);
        string wouldBeFile = Path.Combine(Environment.CurrentDirectory, "@" + name);
        using (var harness = new EchoServerHarness(endPoint: endPoint))
        {
            File.Exists(wouldBeFile).Should().BeFalse("an abstract name lives in the kernel, not in the current directory");
            harness.Server.LocalEndPoint.ToString().Should().Be("@" + name);

            // A .NET client reaches it through the abstract name.
            using (Socket client = UnixClient())
            {
                await client.ConnectAsync(endPoint).WaitAsync(LoopHarness.Timeout);
                await client.SendAsync("ping"u8.ToArray(), SocketFlags.None);
                (await client.ReceiveExactlyAsync(4)).Should().Equal("ping"u8.ToArray());
            }

            // So does the library's own connect.
            var handler = new CollectingHandler();
            TcpConnection connection = await TcpConnection.ConnectAsync(harness.Loop.Reactor, endPoint, handler).WaitAsync(LoopHarness.Timeout);
            connection.TrySend("pong"u8);
            (await handler.WaitForBytesAsync(4)).Should().Equal("pong"u8.ToArray());
            connection.RemoteEndPoint!.ToString().Should().Be("@" + name);
            connection.Abort();
        }
        File.Exists(wouldBeFile).Should().BeFalse();
    }

    [Fact]
    public async Task Connecting_to_a_Unix_listener_whose_backlog_is_full_fails_with_EAGAIN()
    {
        string path = TempSocketPath();
        using var listener = UnixClient();
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(path));
            listener.Listen(1); // never accepts: the queue fills after a connection or two
            using var loop = new LoopHarness();
            var connected = new List<TcpConnection>();
            SystemCallException? failure = null;
            for (int i = 0; i < 16 && failure is null; i++)
            {
                try
                {
                    connected.Add(await TcpConnection.ConnectAsync(loop.Reactor, new UnixDomainSocketEndPoint(path), new CollectingHandler()).WaitAsync(LoopHarness.Timeout));
                }
                catch (SystemCallException ex)
                {
                    failure = ex;
                }
            }
            failure.Should().NotBeNull("a connect the listener has no room for must fail, not report an unconnected socket as connected");
            failure!.ErrorName.Should().Be("EAGAIN");
            failure.Call.Should().StartWith("connect");
            connected.Should().HaveCountLessThan(16);
            foreach (TcpConnection c in connected)
            {
                c.IsClosed.Should().BeFalse("the connections that got in are real ones");
                c.Abort();
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Dispose_leaves_a_socket_file_that_another_server_bound_at_the_same_path()
    {
        string path = TempSocketPath();
        var harness = new EchoServerHarness(endPoint: new UnixDomainSocketEndPoint(path));
        using var successor = UnixClient();
        try
        {
            // Someone removes our file and binds their own socket at the path.
            File.Delete(path);
            successor.Bind(new UnixDomainSocketEndPoint(path));
            successor.Listen();
            harness.Dispose();
            File.Exists(path).Should().BeTrue("the file belongs to the other server now");
        }
        finally
        {
            harness.Dispose();
            File.Delete(path);
        }
    }

    [Fact]
    public void Dispose_removes_the_socket_file_the_server_created()
    {
        string path = TempSocketPath();
        var harness = new EchoServerHarness(endPoint: new UnixDomainSocketEndPoint(path));
        File.Exists(path).Should().BeTrue();
        harness.Dispose();
        File.Exists(path).Should().BeFalse();
    }
}
