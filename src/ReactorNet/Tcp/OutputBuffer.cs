using ReactorNet.Interop;

namespace ReactorNet.Tcp;

/// <summary>
/// Output a connection gathered and has not sent yet: a FIFO of fixed-size pinned segments
/// borrowed from the loop's pool, written with one <c>sendmsg</c> of up to <see cref="MaxIov"/>
/// segments. Empty (the common case between batches) it holds no memory but its segment ring,
/// and a connection that never sent holds none at all.
/// </summary>
/// <remarks>
/// A struct kept inside its connection, not an object of its own (an object header and a
/// reference less per connection: issue #10). It is mutable: the connection's field must not be
/// readonly and is never copied, every call goes through the field.
/// </remarks>
internal unsafe struct OutputBuffer
{
    private const int MaxIov = 16;

    private readonly LoopBuffers _pool;
    private readonly ReactorMetrics _metrics;
    private byte[][]? _segments; // a ring, created on the first segment; one slot suits a connection that sends a reply at a time
    private int _head;      // index of the first segment in the ring
    private int _count;     // segments in use
    private int _headOffset; // bytes of the first segment already sent
    private int _tailLength; // bytes used in the last segment
    private int _reported;   // bytes the pending-output metric counts: what a write left behind, not a batch being gathered

    public OutputBuffer(LoopBuffers pool, ReactorMetrics metrics)
    {
        _pool = pool;
        _metrics = metrics;
    }

    public int Length { readonly get; private set; }

    public void Append(ReadOnlySpan<byte> data)
    {
        Length += data.Length;
        while (!data.IsEmpty)
        {
            if (_count == 0 || _tailLength == LoopBuffers.SegmentSize)
            {
                AddSegment();
            }
            byte[] tail = _segments![(_head + _count - 1) % _segments.Length];
            int n = Math.Min(data.Length, LoopBuffers.SegmentSize - _tailLength);
            data[..n].CopyTo(tail.AsSpan(_tailLength));
            _tailLength += n;
            data = data[n..];
        }
    }

    /// <summary>
    /// Room at the end of the last segment for a writer to fill in place: at least
    /// <paramref name="sizeHint"/> bytes (at least one), starting a new segment when the output is
    /// empty or the last segment is full. Empty when that is not possible without leaving a gap
    /// (segments before the last are always full): the caller then writes into scratch memory.
    /// </summary>
    public Memory<byte> GetTail(int sizeHint)
    {
        int wanted = Math.Max(sizeHint, 1);
        if (wanted > LoopBuffers.SegmentSize)
        {
            return default;
        }
        if (_count == 0 || _tailLength == LoopBuffers.SegmentSize)
        {
            AddSegment();
        }
        else if (LoopBuffers.SegmentSize - _tailLength < wanted)
        {
            return default;
        }
        byte[] tail = _segments![(_head + _count - 1) % _segments.Length];
        return tail.AsMemory(_tailLength);
    }

    /// <summary>Takes <paramref name="count"/> bytes a writer put into the memory <see cref="GetTail"/> returned.</summary>
    public void Commit(int count)
    {
        _tailLength += count;
        Length += count;
    }

    /// <summary>Writes as much as the socket takes; returns the bytes written, or -errno (never EINTR).</summary>
    public long WriteTo(int fd)
    {
        Libc.IoVec* iov = stackalloc Libc.IoVec[MaxIov];
        int n = Math.Min(_count, MaxIov);
        for (int i = 0; i < n; i++)
        {
            byte[] segment = _segments![(_head + i) % _segments.Length];
            int start = i == 0 ? _headOffset : 0;
            int end = i == _count - 1 ? _tailLength : LoopBuffers.SegmentSize;
            iov[i].Base = LoopBuffers.AddressOf(segment) + start;
            iov[i].Length = (nuint)(end - start);
        }
        long written = Send(fd, iov, n);
        if (written > 0)
        {
            Consume((int)written);
        }
        Report();
        return written;
    }

    /// <summary>
    /// Writes <paramref name="first"/> then <paramref name="second"/> straight from the caller's
    /// memory (a large send on an idle connection: no copy into segments); returns the bytes
    /// written, or -errno (never EINTR).
    /// </summary>
    public static long WriteTo(int fd, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        fixed (byte* a = first)
        fixed (byte* b = second)
        {
            Libc.IoVec* iov = stackalloc Libc.IoVec[2];
            iov[0].Base = a;
            iov[0].Length = (nuint)first.Length;
            iov[1].Base = b;
            iov[1].Length = (nuint)second.Length;
            return Send(fd, iov, second.IsEmpty ? 1 : 2);
        }
    }

    private static long Send(int fd, Libc.IoVec* iov, int count)
    {
        // sendmsg rather than writev: only a send call takes MSG_NOSIGNAL, and a peer that reset
        // must cost EPIPE, not a SIGPIPE that kills a process which has not ignored it.
        var message = new Libc.MsgHdr { Iov = iov, IovLength = (nuint)count };
        nint written;
        do
        {
            written = Libc.sendmsg(fd, &message, Libc.MSG_NOSIGNAL);
        }
        while (written < 0 && Errno.Last == Errno.EINTR);
        return written < 0 ? -Errno.Last : written;
    }

    /// <summary>Returns every segment to the pool.</summary>
    public void Clear()
    {
        _metrics.PendingOutput(-_reported);
        _reported = 0;
        while (_count > 0)
        {
            RemoveHead();
        }
        Length = 0;
    }

    private void Consume(int bytes)
    {
        Length -= bytes;
        while (bytes > 0)
        {
            int inHead = (_count == 1 ? _tailLength : LoopBuffers.SegmentSize) - _headOffset;
            if (bytes < inHead)
            {
                _headOffset += bytes;
                return;
            }
            bytes -= inHead;
            RemoveHead();
        }
        if (Length == 0)
        {
            while (_count > 0)
            {
                RemoveHead(); // an empty tail a writer asked for and did not fill: idle output holds no memory
            }
            _headOffset = _tailLength = 0;
        }
    }

    /// <summary>Brings the metric to what is left after a write; no call when a batch was written whole.</summary>
    private void Report()
    {
        if (Length != _reported)
        {
            _metrics.PendingOutput(Length - _reported);
            _reported = Length;
        }
    }

    private void RemoveHead()
    {
        _pool.ReturnSegment(_segments![_head]);
        _segments[_head] = null!;
        _head = (_head + 1) % _segments.Length;
        _count--;
        _headOffset = 0;
        if (_count == 0)
        {
            _tailLength = 0;
        }
    }

    private void AddSegment()
    {
        if (_segments is null)
        {
            _segments = new byte[1][];
        }
        else if (_count == _segments.Length)
        {
            var grown = new byte[_segments.Length * 2][];
            for (int i = 0; i < _count; i++)
            {
                grown[i] = _segments[(_head + i) % _segments.Length];
            }
            _segments = grown;
            _head = 0;
        }
        _segments[(_head + _count) % _segments.Length] = _pool.RentSegment();
        _count++;
        _tailLength = 0;
    }
}
