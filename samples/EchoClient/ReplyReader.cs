using System.Net.Sockets;
using System.Text;

namespace ReactorNet.Samples.Client;

/// <summary>
/// Reads the server's answer line by line. TCP has no message boundaries: one receive may hold
/// half a reply or several, so bytes past the current line are kept for the next call.
/// </summary>
internal sealed class ReplyReader(Socket socket)
{
    private readonly byte[] _chunk = new byte[4096];
    private readonly MemoryStream _pending = new();

    /// <summary>The next line without its <c>\n</c> (nor a <c>\r</c> before it); <see langword="null"/> when the server closed first.</summary>
    public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (TryTakeLine(out string? line))
            {
                return line;
            }
            int received = await socket.ReceiveAsync(_chunk, SocketFlags.None, cancellationToken);
            if (received == 0)
            {
                return null;
            }
            _pending.Write(_chunk, 0, received);
        }
    }

    private bool TryTakeLine(out string? line)
    {
        ReadOnlySpan<byte> pending = _pending.GetBuffer().AsSpan(0, (int)_pending.Length);
        int newline = pending.IndexOf((byte)'\n');
        if (newline < 0)
        {
            line = null;
            return false;
        }

        ReadOnlySpan<byte> content = pending[..newline];
        if (content.EndsWith("\r"u8))
        {
            content = content[..^1];
        }
        line = Encoding.UTF8.GetString(content);

        byte[] rest = pending[(newline + 1)..].ToArray();
        _pending.SetLength(0);
        _pending.Write(rest);
        return true;
    }
}
