using System.Net;
using System.Net.Sockets;
using ReactorNet.Interop;
using ReactorNet.Tcp;
using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Loop;

/// <summary>Failed system calls surface as <see cref="SocketException"/>s that name the call and the errno (issue 10, newcomer M1, M7).</summary>
public sealed class SystemCallErrorTests
{
    [Fact]
    public void The_first_bind_failure_of_a_fresh_process_reports_EADDRINUSE()
    {
        using var holder = new Socket(SocketType.Stream, ProtocolType.Tcp);
        holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        holder.Listen(1);
        int port = ((IPEndPoint)holder.LocalEndPoint!).Port;

        var (exitCode, output) = ChildProcess.Run("first-bind", port.ToString());

        exitCode.Should().Be(0, output);
        output.Should().Contain("TYPE=SystemCallException").And.Contain("NATIVE=98").And.Contain("SOCKETERROR=AddressAlreadyInUse")
            .And.Contain($"MESSAGE=bind(127.0.0.1:{port}) failed: EADDRINUSE (Address already in use)");
    }

    [Fact]
    public void A_failed_bind_is_a_SocketException_with_the_mapped_error()
    {
        using var holder = new Socket(SocketType.Stream, ProtocolType.Tcp);
        holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        holder.Listen(1);
        using var loop = new LoopHarness();
        SocketException? caught = null;
        try
        {
            using var server = new TcpServer(loop.Reactor, holder.LocalEndPoint!, () => new EchoHandlerStub());
        }
        catch (SocketException ex)
        {
            caught = ex;
        }
        caught.Should().BeOfType<SystemCallException>();
        caught!.SocketErrorCode.Should().Be(SocketError.AddressAlreadyInUse);
        caught.NativeErrorCode.Should().Be(Errno.EADDRINUSE);
        caught.ErrorCode.Should().Be(Errno.EADDRINUSE);
        ((SystemCallException)caught).ErrorName.Should().Be("EADDRINUSE");
    }

    [Fact]
    public async Task A_refused_connect_is_a_SocketException_ConnectionRefused()
    {
        int port;
        using (var probe = new Socket(SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0)); // bound, never listening: connects are refused
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
            using var loop = new LoopHarness();
            Func<Task> act = () => TcpConnection.ConnectAsync(loop.Reactor, new IPEndPoint(IPAddress.Loopback, port), new EchoHandlerStub());
            var ex = (await act.Should().ThrowAsync<SocketException>()).Which;
            ex.SocketErrorCode.Should().Be(SocketError.ConnectionRefused);
            ex.NativeErrorCode.Should().Be(Errno.ECONNREFUSED);
            ex.Message.Should().Be($"connect(127.0.0.1:{port}) failed: ECONNREFUSED (Connection refused)");
        }
    }

    [Theory]
    [InlineData(Errno.EADDRINUSE, SocketError.AddressAlreadyInUse)]
    [InlineData(Errno.EADDRNOTAVAIL, SocketError.AddressNotAvailable)]
    [InlineData(Errno.ECONNREFUSED, SocketError.ConnectionRefused)]
    [InlineData(Errno.ECONNRESET, SocketError.ConnectionReset)]
    [InlineData(Errno.ECONNABORTED, SocketError.ConnectionAborted)]
    [InlineData(Errno.ETIMEDOUT, SocketError.TimedOut)]
    [InlineData(Errno.EACCES, SocketError.AccessDenied)]
    [InlineData(Errno.ENETUNREACH, SocketError.NetworkUnreachable)]
    [InlineData(Errno.EHOSTUNREACH, SocketError.HostUnreachable)]
    [InlineData(Errno.EAGAIN, SocketError.WouldBlock)]
    [InlineData(Errno.EPIPE, SocketError.Shutdown)]
    [InlineData(Errno.ENOTCONN, SocketError.NotConnected)]
    [InlineData(Errno.EINVAL, SocketError.InvalidArgument)]
    [InlineData(Errno.ENOBUFS, SocketError.NoBufferSpaceAvailable)]
    [InlineData(Errno.EINPROGRESS, SocketError.InProgress)]
    public void Socket_errnos_map_to_the_SocketError_dotnet_uses_and_back(int errno, SocketError expected)
    {
        var ex = new SystemCallException("call", errno);
        ex.SocketErrorCode.Should().Be(expected);
        ex.NativeErrorCode.Should().Be(errno, "the runtime maps the SocketError back to the same errno");
        ex.ErrorNumber.Should().Be(errno);
        ex.Message.Should().StartWith($"call failed: {Errno.Name(errno)} (");
    }

    [Fact]
    public void Creating_the_error_of_a_reset_connection_formats_no_message_until_it_is_read()
    {
        // Every connection a peer resets ends with one of these (OnClosed's error). A reset storm of
        // 10,000 clients must not also build 10,000 messages nobody reads: that garbage showed up as
        // 4 MiB of peak RSS in the c10k run. Warm up first so the measurement sees only the object.
        _ = new SystemCallException("recv", Errno.ECONNRESET);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = new SystemCallException("recv", Errno.ECONNRESET);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        allocated.Should().BeLessThan(256, "only the exception object itself, no strerror text or message string");
        ex.Message.Should().Be("recv failed: ECONNRESET (Connection reset by peer)");
        ex.Message.Should().BeSameAs(ex.Message, "the message is built once, on first read");
    }

    [Fact]
    public void An_errno_without_a_socket_meaning_keeps_its_number_and_name()
    {
        var ex = new SystemCallException("epoll_ctl(ADD)", Errno.EBADF);
        ex.SocketErrorCode.Should().Be(SocketError.SocketError);
        (ex.ErrorNumber, ex.ErrorCode, ex.ErrorName).Should().Be((Errno.EBADF, Errno.EBADF, "EBADF"));
        ex.Message.Should().Be("epoll_ctl(ADD) failed: EBADF (Bad file descriptor)");
        new SystemCallException("eventfd", Errno.EMFILE).SocketErrorCode.Should().Be(SocketError.TooManyOpenSockets);
    }

    [Fact]
    public void A_reactor_created_out_of_descriptors_closes_neither_stdin_nor_any_descriptor_it_does_not_own()
    {
        var (exitCode, output) = ChildProcess.Run("reactor-emfile");
        exitCode.Should().Be(0, output);
        output.Should().Contain("OUTCOME=eventfd:EMFILE", "the one free descriptor went to epoll_create1: " + output);
        output.Should().Contain("STDIN_BEFORE=True").And.Contain("STDIN_AFTER=True").And.Contain("OURS_CLOSED=0").And.Contain("EPOLL_RELEASED=True");
    }

    private sealed class EchoHandlerStub : IConnectionHandler
    {
        public int OnData(TcpConnection connection, ReadOnlySpan<byte> data)
        {
            return data.Length;
        }
    }
}
