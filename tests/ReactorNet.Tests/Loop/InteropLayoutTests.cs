using System.Runtime.InteropServices;
using ReactorNet.Interop;

namespace ReactorNet.Tests.Loop;

public sealed unsafe class InteropLayoutTests
{
    [Fact]
    public void Epoll_event_layout_matches_the_kernel_abi_of_this_architecture()
    {
        if (RuntimeInformation.ProcessArchitecture == Architecture.X64)
        {
            (EpollEvent.Size, EpollEvent.DataOffset).Should().Be((12, 4), "x86-64 declares struct epoll_event packed");
        }
        else if (RuntimeInformation.ProcessArchitecture == Architecture.Arm64)
        {
            (EpollEvent.Size, EpollEvent.DataOffset).Should().Be((16, 8), "arm64 aligns the 64-bit data naturally");
        }
        else
        {
            EpollEvent.DataOffset.Should().Be(EpollEvent.Size - 8);
        }
    }

    [Fact]
    public void A_token_survives_the_round_trip_through_the_kernel_bit_for_bit()
    {
        const ulong Token = 0x0123_4567_89AB_CDEF;
        int ep = Errno.ThrowIfError(Libc.epoll_create1(Libc.EPOLL_CLOEXEC), "epoll_create1");
        int efd = FileDescriptor.CreateEventFd();
        try
        {
            byte* ev = stackalloc byte[16];
            EpollEvent.Set(ev, (uint)Interest.Readable, Token);
            Errno.ThrowIfError(Libc.epoll_ctl(ep, Libc.EPOLL_CTL_ADD, efd, ev), "epoll_ctl");
            FileDescriptor.Signal(efd);
            byte* events = stackalloc byte[4 * 16];
            int n = Libc.epoll_wait(ep, events, 4, 5_000);
            n.Should().Be(1);
            EpollEvent.GetData(events, 0).Should().Be(Token);
            EpollEvent.GetEvents(events, 0).Should().Be((uint)Readiness.Readable);
        }
        finally
        {
            FileDescriptor.Close(efd);
            FileDescriptor.Close(ep);
        }
    }

    [Fact]
    public void Epoll_flags_have_their_kernel_values()
    {
        Libc.EPOLL_CLOEXEC.Should().Be(0x80000, "O_CLOEXEC is octal 02000000");
        ((uint)Interest.EdgeTriggered).Should().Be(0x80000000u);
        ((uint)Interest.OneShot).Should().Be(0x40000000u);
        ((uint)Interest.ReadHangUp).Should().Be(0x2000u);
    }

    [Fact]
    public void SystemCallException_names_the_errno()
    {
        var ex = new SystemCallException("bind", Errno.EADDRINUSE);
        ex.ErrorName.Should().Be("EADDRINUSE");
        ex.Message.Should().StartWith("bind failed: EADDRINUSE (").And.Contain("in use");
    }
}
