using System.Buffers;

namespace ReactorNet.Samples.Common;

/// <summary>
/// Where an <see cref="EchoSession"/> writes its replies. One reply may arrive in several calls
/// (greeting, buffered part of the line, rest of the line): a sink that sends each call straight to
/// a socket should gather them and send once per <see cref="EchoSession.OnReceived(ReadOnlySpan{byte}, IBufferWriter{byte})"/> call.
/// </summary>
/// <remarks>
/// Implement it on a struct (a <see langword="ref"/> struct is allowed, e.g. one writing into a
/// <see cref="Span{T}"/>) and pass it by <see langword="ref"/> to <see cref="EchoSession.OnReceived{TSink}"/>
/// for a call without allocation or interface dispatch.
/// </remarks>
public interface IReplySink
{
    /// <summary>Writes <paramref name="bytes"/>; the span is only valid during the call.</summary>
    void Write(ReadOnlySpan<byte> bytes);
}

/// <summary>Adapts an <see cref="IBufferWriter{T}"/>: copies each reply into it.</summary>
public readonly struct BufferWriterSink(IBufferWriter<byte> writer) : IReplySink
{
    public void Write(ReadOnlySpan<byte> bytes) => writer.Write(bytes);
}
