using System.Buffers;
using ReactorNet.Samples.Common;

namespace ReactorNet.Samples.Echo;

/// <summary>
/// A line-mode connection: its <see cref="EchoSession"/>, and the received bytes not answered yet
/// because the connection's output was above its high-water mark (at most about one read).
/// </summary>
internal sealed class LineState(EchoSession session) : IDisposable
{
    private byte[]? _backlog;
    private int _start;
    private int _end;

    public EchoSession Session { get; } = session;

    /// <summary>The peer sent FIN while a backlog was waiting.</summary>
    public bool PeerFinished { get; set; }

    public bool HasBacklog => _end > _start;

    public ReadOnlySpan<byte> Backlog => _backlog.AsSpan(_start, _end - _start);

    /// <summary>Appends <paramref name="data"/> (a copy: the read buffer is the loop's).</summary>
    public void Keep(ReadOnlySpan<byte> data)
    {
        int length = _end - _start;
        if (_backlog is null || _backlog.Length - _end < data.Length)
        {
            byte[] bigger = ArrayPool<byte>.Shared.Rent(length + data.Length);
            Backlog.CopyTo(bigger);
            Return();
            _backlog = bigger;
            _start = 0;
            _end = length;
        }
        data.CopyTo(_backlog.AsSpan(_end));
        _end += data.Length;
    }

    /// <summary>The first <paramref name="count"/> bytes of the backlog were answered.</summary>
    public void Consumed(int count) => _start += count;

    public void ClearBacklog()
    {
        Return();
        _start = _end = 0;
    }

    public void Dispose()
    {
        ClearBacklog();
        Session.Dispose();
    }

    private void Return()
    {
        if (_backlog is not null)
        {
            ArrayPool<byte>.Shared.Return(_backlog);
            _backlog = null;
        }
    }
}
