using System.Text;

namespace ReactorNet.Samples.Resp.Commands;

/// <summary>Redis's error replies, word for word (without the leading '-').</summary>
public static class Errors
{
    public const string NotInteger = "ERR value is not an integer or out of range";
    public const string Syntax = "ERR syntax error";
    public const string Overflow = "ERR increment or decrement would overflow";
    public const string DecrementOverflow = "ERR decrement would overflow";
    public const string OutOfMemory = "OOM command not allowed when used memory > 'maxmemory'.";
    public const string StringTooLong = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
    public const string DbIndexOutOfRange = "ERR DB index is out of range";
    public const string NotInt32 = "ERR value is out of range, value must between -2147483648 and 2147483647";
    public const string NoProto = "NOPROTO unsupported protocol version";
    public const string ProtocolVersionNotInteger = "ERR Protocol version is not an integer or out of range";
    public const string BadClientName = "ERR Client names cannot contain spaces, newlines or special characters.";

    public static string WrongArity(string command) => $"ERR wrong number of arguments for '{command}' command";

    public static string InvalidExpireTime(string command) => $"ERR invalid expire time in '{command}' command";

    public static string UnknownSubcommand(ReadOnlySpan<byte> subcommand, string command) =>
        $"ERR unknown subcommand '{Text(subcommand, 128)}'. Try {command.ToUpperInvariant()} HELP.";

    /// <summary>
    /// Redis's text: the name (128 bytes at most), then each argument quoted while the list is
    /// under 128 bytes, cut to 128 minus the list so far (counted before its quote: Redis's
    /// <c>'%.*s' </c>). Redis prints them with <c>%s</c>, so a NUL byte ends each one.
    /// </summary>
    public static string UnknownCommand(ReadOnlySpan<byte> name, Protocol.RespRequest request)
    {
        var args = new StringBuilder();
        for (int i = 1; i < request.Count && args.Length < 128; i++)
        {
            int room = 128 - args.Length;
            args.Append('\'').Append(Text(UpToNul(request[i]), room)).Append("' ");
        }
        return $"ERR unknown command '{Text(UpToNul(name), 128)}', with args beginning with: {args}";
    }

    /// <summary>The bytes before the first NUL: what C's <c>%s</c> prints.</summary>
    private static ReadOnlySpan<byte> UpToNul(ReadOnlySpan<byte> bytes)
    {
        int nul = bytes.IndexOf((byte)0);
        return nul < 0 ? bytes : bytes[..nul];
    }

    /// <summary>The client's bytes as Latin-1 characters: the writer turns them back into the same bytes.</summary>
    public static string Text(ReadOnlySpan<byte> bytes, int maxLength = int.MaxValue) =>
        Encoding.Latin1.GetString(bytes[..Math.Min(bytes.Length, maxLength)]);
}
