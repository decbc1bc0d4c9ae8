namespace ReactorNet.Benchmarks.Servers;

/// <summary>Settings for <see cref="AsyncEchoServer"/>.</summary>
public sealed class AsyncEchoServerOptions
{
    /// <summary>
    /// Bytes each connection rents from <see cref="System.Buffers.ArrayPool{T}.Shared"/> (default 4096:
    /// one 4 KiB message in one read, and 10,000 connections hold 40 MiB, not more).
    /// </summary>
    public int BufferSize { get; set; } = 4096;

    /// <summary>
    /// Wait for data with a zero-byte receive before renting the buffer, and return the buffer
    /// while the connection is idle (what Kestrel does to keep idle connections cheap). Off by
    /// default: it costs a second receive per message, and the plain loop is what most code does.
    /// </summary>
    public bool ZeroByteReads { get; set; }

    /// <summary>The listen backlog (default: the kernel's maximum, <c>somaxconn</c>).</summary>
    public int Backlog { get; set; } = int.MaxValue;
}
