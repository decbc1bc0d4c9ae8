using System.Buffers;
using ReactorNet.Samples.Resp.Commands;
using ReactorNet.Samples.Resp.Protocol;

namespace ReactorNet.Samples.Resp.Server;

/// <summary>How a batch ended.</summary>
public enum SessionOutcome
{
    /// <summary>
    /// The requests before the returned count ran; the rest (the start of a request, or requests
    /// held back while the client's output is full) must be presented again, first, with later input.
    /// </summary>
    Continue,

    /// <summary>QUIT or a protocol error: send the replies written so far, then close.</summary>
    Close,
}

/// <summary>
/// One client's protocol state, independent of any transport: give it input bytes and a place for
/// replies; it runs every complete request in order and says how many bytes it used. (This is the
/// shape of a handler that returns how much input it consumed: the caller keeps the rest.)
/// </summary>
public sealed class RespSession
{
    private readonly RespParser _parser = new();
    private readonly RespWriter _writer = new();
    private readonly CommandContext _context;
    private readonly CommandTable _commands;
    private readonly ServerState _server;

    public RespSession(ServerState server, CommandTable commands, ClientState client)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(commands);
        ArgumentNullException.ThrowIfNull(client);
        _server = server;
        _commands = commands;
        _context = new CommandContext(server, client, _writer);
    }

    public ClientState Client => _context.Client;

    /// <summary>
    /// Runs the complete requests at the start of <paramref name="input"/> under the server's gate
    /// (each one atomic; this client's order kept) and writes their replies to <paramref name="output"/>,
    /// each request's reply with one <see cref="IBufferWriter{T}.Advance"/> (a large one with more).
    /// </summary>
    /// <param name="input">Unconsumed input: after a call that left bytes over, the next call must start with those bytes.</param>
    /// <param name="writable">
    /// Asked after each request: false (the client does not read its replies, or its output was
    /// refused) stops the batch there, so that a pipeline cannot pile up replies; null: never stop.
    /// </param>
    /// <returns>Bytes used: whole requests only.</returns>
    public int Process(ReadOnlySpan<byte> input, IBufferWriter<byte> output, Func<bool>? writable, out SessionOutcome outcome)
    {
        _writer.Reset(output);
        outcome = SessionOutcome.Continue;
        int consumed = 0;
        lock (_server.Gate)
        {
            while (consumed < input.Length)
            {
                ReadOnlySpan<byte> rest = input[consumed..];
                RespParseStatus status = _parser.Parse(rest, out int used);
                if (status == RespParseStatus.Incomplete)
                {
                    break;
                }
                if (status == RespParseStatus.Error)
                {
                    // Redis answers, then closes: what follows a framing error cannot be trusted.
                    _writer.Error(_parser.Error!);
                    _writer.Flush();
                    Client.CloseAfterReply = true;
                    outcome = SessionOutcome.Close;
                    return input.Length;
                }
                _commands.Execute(_context, new RespRequest(_parser, rest));
                _writer.Flush(); // the reply in one piece, counted before the writable check below
                consumed += used;
                if (Client.CloseAfterReply)
                {
                    outcome = SessionOutcome.Close;
                    return consumed;
                }
                if (writable is not null && !writable())
                {
                    break;
                }
            }
        }
        return consumed;
    }
}
