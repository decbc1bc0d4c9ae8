using System.Net.Sockets;
using System.Text;
using ReactorNet.Samples.Common;

namespace ReactorNet.Samples.Client;

/// <summary>
/// The client's conversation: prompt, read a line, send it with <c>\n</c>, print the reply line, repeat
/// until end of input. Works the same on a terminal and on a pipe.
/// </summary>
/// <remarks>
/// The socket is read while the user is still typing, so a server that goes away (FIN or reset)
/// ends the client at once with "the server closed the connection", not only at the next line.
/// </remarks>
internal sealed class InteractiveClient(TextReader input, TextWriter output, TextWriter error, bool prompt)
{
    public const string Prompt = "please input something: ";

    private const string ProgramName = "EchoClient";

    public async Task<int> RunAsync(EchoClientOptions options, CancellationToken cancellationToken)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(options.Host, options.Port, cancellationToken);
        }
        catch (SocketException ex)
        {
            return Fail($"cannot connect to {options.Host}:{options.Port}: {ex.Message}");
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Success;
        }
        socket.NoDelay = true;

        try
        {
            return await ConverseAsync(socket, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C: end the prompt's line so the shell's prompt starts on a fresh one.
            if (prompt)
            {
                output.WriteLine();
            }
            return ExitCodes.Success;
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown)
        {
            return Fail($"the server closed the connection ({ex.Message})");
        }
        catch (SocketException ex)
        {
            return Fail($"connection lost: {ex.Message}");
        }
    }

    private async Task<int> ConverseAsync(Socket socket, CancellationToken cancellationToken)
    {
        var replies = new ReplyReader(socket);
        // One receive is always outstanding: it takes the reply to the line just sent, and while
        // the user types it notices a server that closed or reset the connection.
        Task<string?> reply = replies.ReadLineAsync(cancellationToken);
        while (true)
        {
            if (prompt)
            {
                output.Write(Prompt);
                output.Flush();
            }

            Task<string?> typed = ReadInputLineAsync(cancellationToken);
            while (await Task.WhenAny(typed, reply) == reply)
            {
                string? unasked = await reply; // throws if the connection was reset
                if (unasked is null)
                {
                    if (prompt)
                    {
                        output.WriteLine();
                    }
                    return Fail("the server closed the connection");
                }
                output.WriteLine(unasked); // not an answer to a line of ours; show it anyway
                output.Flush();
                reply = replies.ReadLineAsync(cancellationToken);
            }

            string? line = await typed;
            if (line is null)
            {
                // End of input (Ctrl+D, or the end of a pipe): say goodbye with a FIN, not a reset.
                if (prompt)
                {
                    output.WriteLine();
                }
                socket.Shutdown(SocketShutdown.Send);
                return ExitCodes.Success;
            }

            await SendAllAsync(socket, Encoding.UTF8.GetBytes(line + "\n"), cancellationToken);
            string? answer = await reply;
            if (answer is null)
            {
                return Fail("the server closed the connection");
            }
            output.WriteLine(answer);
            output.Flush();
            reply = replies.ReadLineAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Console reads cannot be cancelled, so the read runs on a pool thread and the wait is what
    /// gets cancelled; the blocked read dies with the process.
    /// </summary>
    private Task<string?> ReadInputLineAsync(CancellationToken cancellationToken) =>
        Task.Run(input.ReadLine, CancellationToken.None).WaitAsync(cancellationToken);

    private static async Task SendAllAsync(Socket socket, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            int sent = await socket.SendAsync(data, SocketFlags.None, cancellationToken);
            data = data[sent..];
        }
    }

    private int Fail(string message)
    {
        error.WriteLine($"{ProgramName}: {message}");
        error.Flush();
        return ExitCodes.Failure;
    }
}
