using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;
using ReactorNet.Samples.Http.Protocol;

namespace ReactorNet.Samples.Tests.Http;

/// <summary>Drives the transport-independent protocol core in memory, with a fixed clock.</summary>
internal static class HttpTestKit
{
    public static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Bytes from text where each char is one byte (so "\0" and "\u00ff" mean those bytes).</summary>
    public static byte[] Bytes(string text) => Encoding.Latin1.GetBytes(text);

    public static string Text(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    public static HttpLoopContext Context(HttpServerOptions? options = null) => new(options ?? new HttpServerOptions(), new FixedTime(Now));

    public static HttpSession Session(HttpServerOptions? options = null, long nowMs = 0) => new(Context(options), nowMs);

    public static int Parse(string raw, out HttpRequestHead head, HttpLimits? limits = null)
    {
        head = new HttpRequestHead();
        return HttpRequestParser.Parse(Bytes(raw), head, limits ?? HttpLimits.Default);
    }

    /// <summary>Feeds <paramref name="pieces"/> one after the other, keeping unconsumed bytes as the transport glue does.</summary>
    public static string Feed(HttpSession session, IEnumerable<byte[]> pieces, long nowMs = 0)
    {
        var output = new ArrayBufferWriter<byte>();
        byte[] pending = [];
        foreach (byte[] piece in pieces)
        {
            if (session.IsClosed)
            {
                break;
            }
            pending = [.. pending, .. piece];
            int used = session.Process(pending, output, nowMs);
            pending = pending[used..];
        }
        return Text(output.WrittenSpan);
    }

    public static string Feed(HttpSession session, string input, long nowMs = 0) => Feed(session, [Bytes(input)], nowMs);

    /// <summary>Splits the responses in <paramref name="output"/> at their status lines.</summary>
    public static IReadOnlyList<string> StatusLines(string output) =>
        Regex.Matches(output, @"HTTP/1\.1 [0-9]{3} [A-Za-z ]+(?=\r\n)").Select(m => m.Value).ToList();

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
