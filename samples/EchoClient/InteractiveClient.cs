using System.Net.Sockets;
using System.Text;
using ReactorNet.Samples.Common;

namespace ReactorNet.Samples.Client;

/// <summary>
/// The client's conversation: prompt, read a line, send it with <c>\n</c>, print the reply line, repeat
/// until end of input. Works the same on a terminal and on a pipe.
/// </summary>
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
        catch (SocketException ex)
        {
            return Fail($"connection lost: {ex.Message}");
        }
    }

    private async Task<int> ConverseAsync(Socket socket, CancellationToken cancellationToken)
    {
        var replies = new ReplyReader(socket);
        while (true)
        {
            if (prompt)
            {
                output.Write(Prompt);
                output.Flush();
            }

            string? line = await ReadInputLineAsync(cancellationToken);
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
            string? reply = await replies.ReadLineAsync(cancellationToken);
            if (reply is null)
            {
                return Fail("the server closed the connection");
            }
            output.WriteLine(reply);
            output.Flush();
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
