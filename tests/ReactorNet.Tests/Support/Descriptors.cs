using System.Collections.Concurrent;
using System.Globalization;
using ReactorNet.Tcp;

namespace ReactorNet.Tests.Support;

/// <summary>
/// Tests that count the process's descriptors run alone (after the parallel ones), so that other
/// tests opening and closing sockets cannot move the count.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DescriptorCountingCollection
{
    public const string Name = "Descriptor counting";
}

/// <summary>How many descriptors of each kind the process holds (from <c>/proc/self/fd</c>).</summary>
internal sealed record DescriptorCensus(int Sockets, int DevNull, int Epolls, int EventFds)
{
    public static DescriptorCensus Take()
    {
        // Descriptors that only a finalizer still owns (sockets other tests dropped) are closed first.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        int sockets = 0, devNull = 0, epolls = 0, eventFds = 0;
        foreach (string link in Directory.GetFiles("/proc/self/fd"))
        {
            string? target;
            try
            {
                target = new FileInfo(link).LinkTarget;
            }
            catch (IOException)
            {
                continue; // closed while we looked (the directory's own descriptor, for one)
            }
            switch (target)
            {
                case null:
                    break;
                case "/dev/null":
                    devNull++;
                    break;
                case "anon_inode:[eventpoll]":
                    epolls++;
                    break;
                case "anon_inode:[eventfd]":
                    eventFds++;
                    break;
                default:
                    if (target.StartsWith("socket:", StringComparison.Ordinal))
                    {
                        sockets++;
                    }
                    break;
            }
        }
        return new DescriptorCensus(sockets, devNull, epolls, eventFds);
    }

    /// <summary>Asserts that no kind grew beyond <paramref name="baseline"/>.</summary>
    public void ShouldNotExceed(DescriptorCensus baseline, string because)
    {
        Sockets.Should().BeLessThanOrEqualTo(baseline.Sockets, "no socket may leak: {0}", because);
        DevNull.Should().BeLessThanOrEqualTo(baseline.DevNull, "no spare /dev/null may leak: {0}", because);
        Epolls.Should().BeLessThanOrEqualTo(baseline.Epolls, "no epoll instance may leak: {0}", because);
        EventFds.Should().BeLessThanOrEqualTo(baseline.EventFds, "no eventfd may leak: {0}", because);
    }
}

/// <summary>The kernel's view of this machine's IPv4 TCP sockets (<c>/proc/net/tcp</c>).</summary>
internal static class KernelTcp
{
    private const string SynSent = "02";
    private const string Listen = "0A";

    /// <summary>How many sockets are in SYN_SENT towards 127.0.0.1:<paramref name="port"/> (IPv4 or IPv4-mapped IPv6): connects in flight.</summary>
    public static int ConnectsInFlightTo(int port)
    {
        string remote = $"0100007F:{port.ToString("X4", CultureInfo.InvariantCulture)}";
        return new[] { "/proc/net/tcp", "/proc/net/tcp6" }.Where(File.Exists)
            .SelectMany(table => File.ReadLines(table).Skip(1))
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Count(f => f.Length > 3 && f[2].EndsWith(remote, StringComparison.Ordinal) && f[3] == SynSent);
    }

    /// <summary>
    /// The inodes of the sockets listening on <paramref name="port"/> (any address, IPv4 or IPv6).
    /// An inode names one socket for its whole life and is not handed out again soon after, unlike
    /// the port: another test process may listen on a port our closed listener left.
    /// </summary>
    public static IReadOnlyList<string> ListenerInodes(int port) =>
        Lines().Where(f => f.Length > 9 && f[1].EndsWith($":{port.ToString("X4", CultureInfo.InvariantCulture)}", StringComparison.Ordinal) && f[3] == Listen)
            .Select(f => f[9]).ToList();

    /// <summary>Whether any socket of this machine still has one of these <paramref name="inodes"/> and is listening.</summary>
    public static bool AnyListening(IEnumerable<string> inodes)
    {
        var wanted = inodes.ToHashSet(StringComparer.Ordinal);
        return Lines().Any(f => f.Length > 9 && f[3] == Listen && wanted.Contains(f[9]));
    }

    private static IEnumerable<string[]> Lines() =>
        new[] { "/proc/net/tcp", "/proc/net/tcp6" }.Where(File.Exists)
            .SelectMany(table => File.ReadLines(table).Skip(1))
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries));
}

/// <summary>Records every connection's callbacks, from any loop.</summary>
internal sealed class RecordingHandler : IConnectionHandler
{
    private int _closed;

    public ConcurrentDictionary<TcpConnection, int> Opened { get; } = new();

    public ConcurrentDictionary<TcpConnection, ConcurrentQueue<CloseReason>> Closes { get; } = new();

    public int ClosedCount => Volatile.Read(ref _closed);

    public Action<TcpConnection>? OnConnectedHook { get; init; }

    public void OnConnected(TcpConnection connection)
    {
        Opened.TryAdd(connection, 0);
        OnConnectedHook?.Invoke(connection);
    }

    public int OnData(TcpConnection connection, ReadOnlySpan<byte> data)
    {
        connection.TrySend(data);
        return data.Length;
    }

    public void OnClosed(TcpConnection connection, CloseReason reason, Exception? error)
    {
        Closes.GetOrAdd(connection, _ => new ConcurrentQueue<CloseReason>()).Enqueue(reason);
        Interlocked.Increment(ref _closed);
    }
}
