using System.Net.Sockets;

namespace ReactorNet.Samples.Tests.Support;

/// <summary>Allocation counts of a loop thread, for tests of a server's whole path at 0 B per request.</summary>
internal static class LoopAllocations
{
    /// <summary>
    /// Sends <paramref name="batch"/> and receives its <paramref name="replyLength"/> bytes of replies
    /// 200 times to warm up (pools filled, code jitted and tiered up), then measures what the loop
    /// thread allocates over 500 more; returns the least of up to three such windows (0 ends it).
    /// A cost per request or per batch shows in every window (500 batches make it thousands of
    /// bytes); a one-off that the runtime charges to the loop thread after the warm-up shows in one
    /// window only (32 bytes once in a full run of the suite on a loaded machine; not seen in a
    /// window of its own, nor across idle seconds with the loop's timers firing).
    /// </summary>
    public static async Task<long> OfPipelinedBatchesAsync(Reactor loop, Socket client, byte[] batch, int replyLength)
    {
        await ExchangeAsync(client, batch, replyLength, 200);
        long least = long.MaxValue;
        for (int window = 0; window < 3 && least > 0; window++)
        {
            long before = Read(loop);
            await ExchangeAsync(client, batch, replyLength, 500);
            least = Math.Min(least, Read(loop) - before);
        }
        return least;
    }

    private static async Task ExchangeAsync(Socket client, byte[] batch, int replyLength, int times)
    {
        for (int i = 0; i < times; i++)
        {
            await client.SendAsync(batch);
            await client.ReceiveExactlyAsync(replyLength);
        }
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
