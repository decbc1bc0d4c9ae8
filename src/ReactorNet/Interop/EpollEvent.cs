using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ReactorNet.Interop;

/// <summary>
/// Reads and writes <c>struct epoll_event { uint32_t events; epoll_data_t data; }</c> in native
/// memory. The kernel declares it <c>__attribute__((packed))</c> on x86 and x86-64 only: there it
/// is 12 bytes with <c>data</c> at offset 4; on arm64 (and every other 64-bit ABI) it is naturally
/// aligned, 16 bytes with <c>data</c> at offset 8. One managed struct cannot be both, so the
/// offsets are chosen once at start-up; they are static readonly, so the JIT folds them into
/// constants and the accessors cost what a fixed struct would.
/// </summary>
internal static unsafe class EpollEvent
{
    /// <summary><c>sizeof(struct epoll_event)</c> on this process's architecture.</summary>
    public static readonly int Size;

    /// <summary><c>offsetof(struct epoll_event, data)</c> on this process's architecture.</summary>
    public static readonly int DataOffset;

    static EpollEvent()
    {
        bool packed = RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.X86;
        Size = packed ? 12 : 16;
        DataOffset = packed ? 4 : 8;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint GetEvents(byte* array, int index) => Unsafe.ReadUnaligned<uint>(array + index * Size);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong GetData(byte* array, int index) => Unsafe.ReadUnaligned<ulong>(array + index * Size + DataOffset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Set(byte* ev, uint events, ulong data)
    {
        Unsafe.WriteUnaligned(ev, events);
        Unsafe.WriteUnaligned(ev + DataOffset, data);
    }
}
