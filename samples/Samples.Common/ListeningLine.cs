using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace ReactorNet.Samples.Common;

/// <summary>
/// The startup convention: once listening, a server prints exactly one line
/// <c>listening on HOST:PORT</c> to stdout (the bound port, not 0) — tests and scripts wait for it.
/// IPv6 hosts are bracketed (<c>[::1]:3267</c>), as <see cref="IPEndPoint.ToString"/> does.
/// </summary>
public static class ListeningLine
{
    public const string Prefix = "listening on ";

    public static string Format(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        return Prefix + endPoint;
    }

    /// <summary>Writes the line and flushes, so a reader on a pipe sees it at once.</summary>
    public static void Write(IPEndPoint endPoint, TextWriter? stdout = null)
    {
        stdout ??= Console.Out;
        stdout.WriteLine(Format(endPoint));
        stdout.Flush();
    }

    public static bool TryParse(string? line, [NotNullWhen(true)] out IPEndPoint? endPoint)
    {
        endPoint = null;
        return line is not null
            && line.StartsWith(Prefix, StringComparison.Ordinal)
            && IPEndPoint.TryParse(line.AsSpan(Prefix.Length).Trim(), out endPoint)
            && endPoint.Port != 0;
    }
}
