using System.Text;

namespace ReactorNet.Samples.Common;

/// <summary>
/// The echo protocol every sample server speaks. Without a greeting it is RFC 862: every byte
/// received is sent back, unchanged and at once. With a greeting it is line mode: every line
/// (up to and including its <c>\n</c>; a <c>\r</c> before it stays part of the line) is answered
/// with the greeting followed by the line.
/// </summary>
/// <remarks>
/// Immutable and thread-safe: create one per server and one <see cref="EchoSession"/> per connection.
/// </remarks>
public sealed class EchoProtocol
{
    /// <summary>How much of an unfinished line a session holds before it starts answering it in pieces.</summary>
    public const int DefaultMaxLineLength = 64 * 1024;

    private readonly byte[] _greeting;

    /// <param name="greeting"><see langword="null"/> for plain echo; otherwise line mode (an empty greeting echoes line by line).</param>
    /// <param name="maxLineLength">Bound on the buffered part of an unfinished line (see <see cref="EchoSession"/>).</param>
    public EchoProtocol(string? greeting = null, int maxLineLength = DefaultMaxLineLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineLength, 1);
        IsLineMode = greeting is not null;
        _greeting = greeting is null ? [] : Encoding.UTF8.GetBytes(greeting);
        MaxLineLength = maxLineLength;
    }

    /// <summary>The plain RFC 862 echo.</summary>
    public static EchoProtocol Plain { get; } = new();

    public bool IsLineMode { get; }

    /// <summary>The greeting, UTF-8 encoded (empty in plain mode).</summary>
    public ReadOnlyMemory<byte> Greeting => _greeting;

    public int MaxLineLength { get; }

    /// <summary>State for one connection. Dispose it when the connection ends (it may hold a pooled buffer).</summary>
    public EchoSession CreateSession() => new(this);

    internal ReadOnlySpan<byte> GreetingSpan => _greeting;
}
