using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ReactorNet.Tcp;

/// <summary>
/// Memory one loop shares among its connections: a single read buffer (a loop reads one socket
/// at a time, so 10,000 idle connections own no read buffer at all) and a pool of output
/// segments. Both are pinned (allocated on the pinned object heap), so their addresses go
/// straight to recv/sendmsg. Loop thread only, no locks; except the loop-wide output count, which
/// any thread's TrySend updates atomically.
/// </summary>
internal sealed unsafe class LoopBuffers
{
    public const int ReadBufferSize = 64 * 1024;
    public const int SegmentSize = 16 * 1024;

    /// <summary>Free segments kept for reuse; beyond this (4 MiB) they go back to the GC.</summary>
    private const int MaxPooledSegments = 256;

    private readonly Stack<byte[]> _free = new();
    private long _pendingOutput; // bytes reserved by connections with a loop-wide cap, any thread

    private LoopBuffers()
    {
        ReadBuffer = GC.AllocateUninitializedArray<byte>(ReadBufferSize, pinned: true);
        ReadPointer = AddressOf(ReadBuffer);
    }

    public byte[] ReadBuffer { get; }

    public byte* ReadPointer { get; }

    /// <summary>The loop's connections that have an idle timeout, and the one timer that checks them.</summary>
    public IdleSweep IdleSweep { get; } = new();

    private SystemCallException[] _peerErrors = [];

    /// <summary>
    /// The error a connection broken by its peer reports to <c>OnClosed</c> (a reset, a write to a
    /// closed peer): one instance per loop for each call and errno, made on first use. The library
    /// never throws it, so it holds no stack trace, and sharing it means 10,000 clients resetting at
    /// once allocate nothing (one exception per reset was the largest allocation of a c10k run's
    /// teardown: 184 B a connection, 1.8 MB at 10,000).
    /// </summary>
    public SystemCallException PeerError(string call, int errno)
    {
        foreach (SystemCallException error in _peerErrors)
        {
            if (error.ErrorNumber == errno && ReferenceEquals(error.Call, call))
            {
                return error;
            }
        }
        var made = new SystemCallException(call, errno);
        _peerErrors = [.. _peerErrors, made]; // bounded: a few calls times the errnos a socket reports
        return made;
    }

    /// <summary>Connections whose gathered output the loop writes before it blocks again.</summary>
    public PendingFlushes PendingFlushes { get; } = new();

    public static LoopBuffers For(Reactor reactor)
    {
        if (reactor.TransportState is LoopBuffers buffers)
        {
            return buffers;
        }
        buffers = new LoopBuffers();
        reactor.TransportState = buffers;
        reactor.BeforeBlock = buffers.PendingFlushes.FlushAll;
        return buffers;
    }

    /// <summary>Output counted against the loop-wide cap and not yet written or discarded. Any thread.</summary>
    public long PendingOutputBytes => Volatile.Read(ref _pendingOutput);

    /// <summary>
    /// Counts <paramref name="bytes"/> more pending output for the loop unless that would pass
    /// <paramref name="cap"/> (<see cref="TcpConnectionOptions.MaxLoopPendingOutputBytes"/>). Any thread.
    /// </summary>
    public bool TryReserveOutput(long bytes, long cap)
    {
        long pending = Volatile.Read(ref _pendingOutput);
        while (true)
        {
            if (bytes > cap - pending)
            {
                return false;
            }
            long seen = Interlocked.CompareExchange(ref _pendingOutput, pending + bytes, pending);
            if (seen == pending)
            {
                return true;
            }
            pending = seen;
        }
    }

    /// <summary>Uncounts output reserved with <see cref="TryReserveOutput"/>. Any thread.</summary>
    public void ReleaseOutput(long bytes) => Interlocked.Add(ref _pendingOutput, -bytes);

    /// <summary>Segments handed out so far (for tests: what was copied into output rather than written from the caller's memory).</summary>
    internal long SegmentsRented { get; private set; }

    public byte[] RentSegment()
    {
        SegmentsRented++;
        return _free.TryPop(out byte[]? segment) ? segment : GC.AllocateUninitializedArray<byte>(SegmentSize, pinned: true);
    }

    public void ReturnSegment(byte[] segment)
    {
        if (_free.Count < MaxPooledSegments)
        {
            _free.Push(segment);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* AddressOf(byte[] pinned) => (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned));
}
