using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Tcp;

/// <summary>A server whose construction fails leaves no listener behind, whatever state its loops are in.</summary>
[Collection(DescriptorCountingCollection.Name)]
public sealed class ListenerCleanupTests
{
    /// <summary>
    /// With ReusePort every loop gets a listener. In a child process with exactly two descriptors
    /// free, the first listener (socket and spare) is made and the second socket fails (EMFILE).
    /// The first listener's loop is disposed, so it refuses the stop: the listener must then be
    /// closed on the calling thread.
    /// </summary>
    [Fact]
    public void A_failed_start_on_a_partly_disposed_group_closes_every_listener()
    {
        var (exitCode, output) = ChildProcess.Run("server-emfile");
        exitCode.Should().Be(0, output);
        output.Should().Contain("OUTCOME=socket:EMFILE", "the second listener's socket found no descriptor: " + output);
        output.Should().Contain("STILL_OPEN=0", "the first listener and its spare are closed: " + output);
    }
}
