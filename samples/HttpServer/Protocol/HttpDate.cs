using System.Buffers;
using System.Buffers.Text;

namespace ReactorNet.Samples.Http.Protocol;

/// <summary>
/// The <c>Date</c> header value (IMF-fixdate, RFC 9110 §5.6.7), formatted once a second instead of
/// once per response. One instance per loop: it is read and refreshed on that loop's thread only.
/// </summary>
public sealed class HttpDate
{
    private readonly byte[] _value = new byte[29]; // "Sun, 06 Nov 1994 08:49:37 GMT"
    private readonly TimeProvider _time;
    private long _second = long.MinValue;

    /// <summary>Creates the value for now.</summary>
    public HttpDate(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        Refresh();
    }

    /// <summary>The current value's bytes.</summary>
    public ReadOnlySpan<byte> Value => _value;

    /// <summary>Reformats the value if the second changed (a loop timer calls this).</summary>
    public void Refresh()
    {
        DateTimeOffset now = _time.GetUtcNow();
        long second = now.ToUnixTimeSeconds();
        if (second != _second)
        {
            Utf8Formatter.TryFormat(now, _value, out _, new StandardFormat('R'));
            _second = second;
        }
    }
}
