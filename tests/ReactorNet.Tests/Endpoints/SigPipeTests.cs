using System.Diagnostics;
using System.Runtime.InteropServices;
using ReactorNet.Interop;
using ReactorNet.Samples.Tests.Support;
using ReactorNet.Tests.Children;

namespace ReactorNet.Tests.Endpoints;

/// <summary>
/// PITFALLS 12: writing to a socket whose peer is gone raises SIGPIPE, which kills a process that
/// has not ignored it (a native host, or an application that restored the default). Every send
/// path must pass MSG_NOSIGNAL. Checked in a child process, so a failure cannot kill the test host.
/// </summary>
public sealed class SigPipeTests
{
    [Fact]
    public async Task Writes_to_a_dead_peer_fail_with_EPIPE_and_do_not_raise_SIGPIPE_on_the_batch_direct_and_queued_paths()
    {
        var start = new ProcessStartInfo(DotNetHost.Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(ChildEntryPoint).Assembly.Location);
        start.ArgumentList.Add(SigPipeProbe.Name);
        using var child = Process.Start(start)!;
        Task<string> stdout = child.StandardOutput.ReadToEndAsync();
        Task<string> stderr = child.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await child.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            child.Kill(entireProcessTree: true);
            throw;
        }
        string output = await stdout;
        string because = $"the child must survive (exit code {child.ExitCode}; 141 = killed by SIGPIPE). stdout: {output} stderr: {await stderr}";
        child.ExitCode.Should().Be(0, because);
        output.Should().Contain("gathered: accepted=True reason=Reset call=sendmsg errno=EPIPE", because);
        output.Should().Contain("direct: accepted=True reason=Reset call=sendmsg errno=EPIPE", because);
        // The transport reads what is left before it writes on a hang-up (nothing unread is lost), so
        // the reset may be reported by that read (ECONNRESET) before the flush meets EPIPE: the peer
        // left unread data, so the kernel flags the socket with an error. All three paths share one
        // sendmsg call (OutputBuffer.Send), which the two deterministic lines above prove.
        output.Should().ContainAny(["queued: accepted=True reason=Reset call=sendmsg errno=EPIPE", "queued: accepted=True reason=Reset call=recv errno=ECONNRESET"], because);
    }

    [Fact]
    public void Msghdr_matches_the_64_bit_glibc_layout()
    {
        Marshal.SizeOf<Libc.MsgHdr>().Should().Be(56);
        ((int)Marshal.OffsetOf<Libc.MsgHdr>(nameof(Libc.MsgHdr.Iov))).Should().Be(16);
        ((int)Marshal.OffsetOf<Libc.MsgHdr>(nameof(Libc.MsgHdr.IovLength))).Should().Be(24);
        ((int)Marshal.OffsetOf<Libc.MsgHdr>(nameof(Libc.MsgHdr.Flags))).Should().Be(48);
    }
}
