namespace ReactorNet.Samples.Resp.Protocol;

/// <summary>
/// Redis's protocol error texts (networking.c), word for word: clients and scripts match on them.
/// The server answers <c>-ERR Protocol error: ...</c> and closes the connection after the reply.
/// </summary>
public static class ProtocolErrors
{
    public const string TooBigInlineRequest = "ERR Protocol error: too big inline request";
    public const string UnbalancedQuotes = "ERR Protocol error: unbalanced quotes in request";
    public const string TooBigMultibulkCount = "ERR Protocol error: too big mbulk count string";
    public const string InvalidMultibulkLength = "ERR Protocol error: invalid multibulk length";
    public const string TooBigBulkCount = "ERR Protocol error: too big bulk count string";
    public const string InvalidBulkLength = "ERR Protocol error: invalid bulk length";

    /// <summary>The byte found where a bulk header was expected, as Redis prints it (<c>%c</c>: the raw byte).</summary>
    public static string ExpectedDollar(byte got) => $"ERR Protocol error: expected '$', got '{(char)got}'";
}
