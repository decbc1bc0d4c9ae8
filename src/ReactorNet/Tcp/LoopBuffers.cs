using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ReactorNet.Tcp;

/// <summary>
/// Memory one loop shares among its connections: a single read buffer (a loop reads one socket
/// at a time, so 10,000 idle connections own no read buffer at all) and a pool of output
/// segments. Both are pinned (allocated on the pinned object heap), so their addresses go
/// straight to recv/sendmsg. Loop thread only: no locks.
/// </summary>
internal sealed unsafe class LoopBuffers
{
    public const int ReadBufferSize = 64 * 1024;
    public const int SegmentSize = 16 * 1024;

    /// <summary>Free segments kept for reuse; beyond this (4 MiB) they go back to the GC.</summary>
    private const int MaxPooledSegments = 256;

    private readonly Stack<byte[]> _free = new();

    private LoopBuffers()
    {
        ReadBuffer = GC.AllocateUninitializedArray<byte>(ReadBufferSize, pinned: true);
        ReadPointer = AddressOf(ReadBuffer);
    }

    public byte[] ReadBuffer { get; }

    public byte* ReadPointer { get; }

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

    public byte[] RentSegment() => _free.TryPop(out byte[]? segment) ? segment : GC.AllocateUninitializedArray<byte>(SegmentSize, pinned: true);

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
