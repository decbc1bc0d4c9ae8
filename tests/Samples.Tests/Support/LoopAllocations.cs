using System.Net.Sockets;

namespace ReactorNet.Samples.Tests.Support;

/// <summary>Allocation counts of a loop thread, for tests of a server's whole path at 0 B per request.</summary>
internal static class LoopAllocations
{
    /// <summary>
    /// Sends <paramref name="batch"/> and receives its <paramref name="replyLength"/> bytes of replies
    /// 200 times to warm up (pools filled, code jitted and tiered up), then 500 times more; returns
    /// what the loop thread allocated during those 500.
    /// </summary>
    public static async Task<long> OfPipelinedBatchesAsync(Reactor loop, Socket client, byte[] batch, int replyLength)
    {
        for (int i = 0; i < 200; i++)
        {
            await client.SendAsync(batch);
            await client.ReceiveExactlyAsync(replyLength);
        }
        long before = Read(loop);
        for (int i = 0; i < 500; i++)
        {
            await client.SendAsync(batch);
            await client.ReceiveExactlyAsync(replyLength);
        }
        return Read(loop) - before;
    }

    /// <summary>The loop thread's allocation counter, read on the loop thread (the signal back allocates nothing there).</summary>
    public static long Read(Reactor loop)
    {
        var reading = new Reading();
        loop.Post(static r =>
        {
            r.Bytes = GC.GetAllocatedBytesForCurrentThread();
            r.Done.Set();
        }, reading);
        bool done = reading.Done.Wait(TestTimeouts.Network);
        reading.Done.Dispose();
        return done ? reading.Bytes : throw new TimeoutException("The loop did not run posted work.");
    }

    private sealed class Reading
    {
        public long Bytes;

        public ManualResetEventSlim Done { get; } = new();
    }
}
