using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using ReactorNet.Tcp;
using ReactorNet.Tests.Support;

namespace ReactorNet.Tests.Children;

/// <summary>
/// Child process for <see cref="Endpoints.SigPipeTests"/>: restores SIGPIPE to its default action
/// (terminate; the .NET host ignores it) and then writes to connections whose peer is gone,
/// through the batch write that follows a send, the direct write of a large send and the queued flush. Without MSG_NOSIGNAL on either call
/// the kernel raises SIGPIPE and this process dies; with it, each write fails with EPIPE and the
/// connection closes as reset. Prints one line per path and exits 0.
/// </summary>
internal static partial class SigPipeProbe
{
    public const string Name = "sigpipe-probe";

    private const int SIGPIPE = 13;

    private sealed class Handler : IConnectionHandler
    {
        public BlockingCollection<TcpConnection> Connected { get; } = new();

        public ConcurrentDictionary<long, TaskCompletionSource<(CloseReason Reason, Exception? Error)>> Closed { get; } = new();

        public void OnConnected(TcpConnection connection)
        {
            connection.PauseReading(); // what the peer sends stays queued in the kernel
            Closed[connection.Id] = new(TaskCreationOptions.RunContinuationsAsynchronously);
            Connected.Add(connection);
        }

        public int OnData(TcpConnection connection, ReadOnlySpan<byte> data)
        {
            return data.Length;
        }

        public void OnClosed(TcpConnection connection, CloseReason reason, Exception? error) => Closed[connection.Id].TrySetResult((reason, error));
    }

    public static int Run()
    {
        if (signal(SIGPIPE, 0) == -1) // SIG_DFL
        {
            Console.WriteLine("signal() failed");
            return 3;
        }
        if (IsIgnored(SIGPIPE))
        {
            Console.WriteLine("SIGPIPE is still ignored");
            return 4;
        }
        string path = Path.Combine(Path.GetTempPath(), $"reactornet-sigpipe-{Guid.NewGuid():N}.sock");
        var endPoint = new UnixDomainSocketEndPoint(path);
        var handler = new Handler();
        using var loop = new LoopHarness();
        using var server = new TcpServer(loop.Reactor, endPoint, () => handler);

        // Batch write: the peer goes away and, before the loop can notice, the loop thread sends;
        // the gathered bytes are written (sendmsg) before the loop blocks again.
        using (var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            client.Connect(endPoint);
            TcpConnection connection = Take(handler);
            bool accepted = loop.Invoke(() =>
            {
                client.Close();
                return connection.TrySend("after the peer left"u8);
            });
            Report("gathered", accepted, LoopHarness.Wait(handler.Closed[connection.Id].Task));
        }

        // Direct write: a send of 64 KiB or more on a connection with nothing queued goes to
        // sendmsg from the caller's memory inside TrySend; the peer is gone already.
        using (var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            client.Connect(endPoint);
            TcpConnection connection = Take(handler);
            bool accepted = loop.Invoke(() =>
            {
                client.Close();
                return connection.TrySend(new byte[128 * 1024]);
            });
            Report("direct", accepted, LoopHarness.Wait(handler.Closed[connection.Id].Task));
        }

        // Queued flush: output waits in the connection's buffer, the peer resets (it leaves unread
        // data behind), and the flush that follows writes to the dead socket.
        using (var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            client.Connect(endPoint);
            TcpConnection connection = Take(handler);
            client.Send([1]); // unread by the paused server: the hang-up event reads it and then flushes
            int pending = loop.Invoke(() =>
            {
                connection.TrySend(new byte[1 << 20]);
                return connection.PendingOutputBytes;
            });
            if (pending == 0)
            {
                Console.WriteLine("nothing was queued");
                return 5;
            }
            client.Close();
            Report("queued", true, LoopHarness.Wait(handler.Closed[connection.Id].Task));
        }
        return 0;
    }

    private static TcpConnection Take(Handler handler) =>
        handler.Connected.TryTake(out TcpConnection? c, LoopHarness.Timeout) ? c : throw new TimeoutException("no connection");

    private static void Report(string path, bool accepted, (CloseReason Reason, Exception? Error) closed)
    {
        var error = closed.Error as SystemCallException;
        Console.WriteLine($"{path}: accepted={accepted} reason={closed.Reason} call={error?.Call} errno={error?.ErrorName}");
    }

    /// <summary>Whether <paramref name="signal"/> is in the process's ignored set (/proc/self/status SigIgn).</summary>
    private static bool IsIgnored(int signal)
    {
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        ulong mask = Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16);
        return (mask & (1UL << (signal - 1))) != 0;
    }

    [LibraryImport("libc")]
    private static partial nint signal(int signum, nint handler);
}
