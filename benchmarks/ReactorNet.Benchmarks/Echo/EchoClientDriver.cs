using System.Net;
using System.Net.Sockets;

namespace ReactorNet.Benchmarks.Echo;

/// <summary>
/// The client side of the echo round-trip benchmarks: <c>N</c> connected blocking sockets and one
/// operation, <see cref="RunRound"/>: every connection sends the payload, then every connection
/// reads its echo back and checks it. All N messages are in flight at once, so the server sees N
/// concurrently active connections, and the same single client thread drives every server kind
/// identically. Sending everything before reading cannot deadlock as long as one payload fits in
/// the socket buffers (<see cref="MaxPayload"/>). Steady state allocates nothing.
/// </summary>
public sealed class EchoClientDriver : IDisposable
{
    /// <summary>Largest payload that always fits the loopback socket buffers in both directions.</summary>
    public const int MaxPayload = 64 * 1024;

    private readonly Socket[] _sockets;
    private readonly byte[] _payload;
    private readonly byte[] _echo;

    /// <summary>Connects <paramref name="connections"/> sockets to <paramref name="server"/>.</summary>
    /// <param name="server">The echo server.</param>
    /// <param name="connections">How many connections.</param>
    /// <param name="payloadSize">Bytes per message.</param>
    public EchoClientDriver(IPEndPoint server, int connections, int payloadSize)
        : this(server, connections, RandomPayload(payloadSize))
    {
    }

    /// <summary>
    /// Connects <paramref name="connections"/> sockets to <paramref name="server"/>; each round
    /// sends <paramref name="message"/> as it is (e.g. several length-prefixed requests back to back)
    /// and expects the same bytes back.
    /// </summary>
    /// <param name="server">The server.</param>
    /// <param name="connections">How many connections.</param>
    /// <param name="message">What each connection sends per round; kept, not copied.</param>
    public EchoClientDriver(IPEndPoint server, int connections, byte[] message)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentOutOfRangeException.ThrowIfLessThan(connections, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(message.Length, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(message.Length, MaxPayload);
        _payload = message;
        _echo = new byte[message.Length];
        _sockets = new Socket[connections];
        try
        {
            for (int i = 0; i < connections; i++)
            {
                var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
                {
                    NoDelay = true,
                    // A server that stops echoing fails the benchmark instead of hanging it.
                    ReceiveTimeout = 30_000,
                    SendTimeout = 30_000,
                };
                _sockets[i] = socket;
                socket.Connect(server);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private static byte[] RandomPayload(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, MaxPayload);
        var payload = new byte[size];
        new Random(size).NextBytes(payload);
        return payload;
    }

    /// <summary>Number of connections.</summary>
    public int Connections => _sockets.Length;

    /// <summary>Bytes per message.</summary>
    public int PayloadSize => _payload.Length;

    /// <summary>Runs <paramref name="rounds"/> rounds of <see cref="RunRound"/>.</summary>
    /// <param name="rounds">How many.</param>
    public void RunRounds(int rounds)
    {
        for (int i = 0; i < rounds; i++)
        {
            RunRound();
        }
    }

    /// <summary>Each connection sends the payload; then each reads it back. <see cref="Connections"/> round trips.</summary>
    /// <exception cref="InvalidDataException">An echo differs from the payload.</exception>
    public void RunRound()
    {
        foreach (Socket socket in _sockets)
        {
            ReadOnlySpan<byte> left = _payload;
            while (!left.IsEmpty)
            {
                left = left[socket.Send(left, SocketFlags.None)..];
            }
        }
        foreach (Socket socket in _sockets)
        {
            Span<byte> left = _echo;
            while (!left.IsEmpty)
            {
                int n = socket.Receive(left, SocketFlags.None);
                if (n == 0)
                {
                    throw new InvalidDataException("The server closed a connection in the middle of an echo.");
                }
                left = left[n..];
            }
            if (!_echo.AsSpan().SequenceEqual(_payload))
            {
                throw new InvalidDataException("The echo differs from what was sent.");
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (Socket? socket in _sockets)
        {
            socket?.Dispose();
        }
    }
}
