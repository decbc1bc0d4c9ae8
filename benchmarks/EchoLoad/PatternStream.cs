using System.Buffers.Binary;

namespace ReactorNet.Benchmarks.EchoLoad;

/// <summary>
/// An endless, deterministic pseudo-random byte stream (xorshift64*, eight bytes per step). A
/// connection keeps two copies with the same seed: one produces what it sends, the other what it
/// must get back. So every echoed byte is checked without keeping a copy of what was sent, and a
/// lost, duplicated or reordered byte shows up as a mismatch, not just a corrupted one.
/// It is a struct: cloning it (to generate ahead, then commit only what the kernel took) is a copy.
/// </summary>
internal struct PatternStream
{
    private ulong _state;
    private ulong _word;   // bytes of the current step not yet used, lowest first
    private int _available; // how many of them

    public PatternStream(ulong seed)
    {
        // SplitMix64 spreads consecutive seeds (connection ids) over the whole state space;
        // xorshift must not start at zero.
        ulong z = seed + 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        _state = (z ^ (z >> 31)) | 1;
    }

    /// <summary>Writes the next <c>destination.Length</c> bytes of the stream.</summary>
    public void Fill(Span<byte> destination)
    {
        int i = 0;
        int n = destination.Length;
        while (_available > 0 && i < n)
        {
            destination[i++] = TakeByte();
        }
        for (; n - i >= 8; i += 8)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(destination[i..], NextWord());
        }
        while (i < n)
        {
            destination[i++] = TakeByte();
        }
    }

    /// <summary>
    /// Compares <paramref name="received"/> with the next bytes of the stream (and moves past them).
    /// Returns the number of bytes that differ; <paramref name="firstMismatch"/> is the offset of the
    /// first one, or -1.
    /// </summary>
    public int Verify(ReadOnlySpan<byte> received, out int firstMismatch)
    {
        firstMismatch = -1;
        int bad = 0;
        int i = 0;
        int n = received.Length;
        while (_available > 0 && i < n)
        {
            Check(received[i], TakeByte(), i, ref bad, ref firstMismatch);
            i++;
        }
        for (; n - i >= 8; i += 8)
        {
            ulong expected = NextWord();
            ulong actual = BinaryPrimitives.ReadUInt64LittleEndian(received[i..]);
            if (expected != actual)
            {
                for (int k = 0; k < 8; k++)
                {
                    Check((byte)(actual >> (8 * k)), (byte)(expected >> (8 * k)), i + k, ref bad, ref firstMismatch);
                }
            }
        }
        while (i < n)
        {
            Check(received[i], TakeByte(), i, ref bad, ref firstMismatch);
            i++;
        }
        return bad;
    }

    /// <summary>Moves past <paramref name="count"/> bytes without producing them.</summary>
    public void Skip(int count)
    {
        while (_available > 0 && count > 0)
        {
            TakeByte();
            count--;
        }
        for (; count >= 8; count -= 8)
        {
            NextWord();
        }
        while (count-- > 0)
        {
            TakeByte();
        }
    }

    private static void Check(byte actual, byte expected, int offset, ref int bad, ref int firstMismatch)
    {
        if (actual != expected)
        {
            bad++;
            if (firstMismatch < 0)
            {
                firstMismatch = offset;
            }
        }
    }

    private byte TakeByte()
    {
        if (_available == 0)
        {
            _word = NextWord();
            _available = 8;
        }
        byte b = (byte)_word;
        _word >>= 8;
        _available--;
        return b;
    }

    private ulong NextWord()
    {
        ulong x = _state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        _state = x;
        return x * 0x2545F4914F6CDD1D;
    }
}
