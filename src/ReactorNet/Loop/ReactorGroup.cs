namespace ReactorNet;

/// <summary>
/// "One loop per thread": a fixed set of <see cref="Reactor"/>s, each on its own thread. A
/// server on a group hands every accepted connection to one loop for its whole life, so a
/// connection's callbacks always run on the same thread and never need locks.
/// </summary>
public sealed class ReactorGroup : IDisposable
{
    private readonly Reactor[] _reactors;
    private int _next = -1;

    /// <summary>Creates <paramref name="count"/> reactors (default: one per processor).</summary>
    /// <param name="count">How many loops; 0 means <see cref="Environment.ProcessorCount"/>.</param>
    /// <param name="options">Settings for every loop, shared as they are (options are immutable); thread names get a <c>-N</c> suffix.</param>
    public ReactorGroup(int count = 0, ReactorOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count == 0)
        {
            count = Environment.ProcessorCount;
        }
        options ??= new ReactorOptions();
        _reactors = new Reactor[count];
        try
        {
            for (int i = 0; i < count; i++)
            {
                _reactors[i] = new Reactor(options, i, $"{options.ThreadName}-{i}");
            }
            var completions = new Task[count];
            for (int i = 0; i < count; i++)
            {
                completions[i] = _reactors[i].Completion;
            }
            Completion = Task.WhenAll(completions); // no LINQ on startup paths: it loads System.Linq into every server

        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The loops.</summary>
    public IReadOnlyList<Reactor> Reactors => _reactors;

    /// <summary>A copy of the loops, for a server that keeps them as an array.</summary>
    internal Reactor[] CopyReactors() => (Reactor[])_reactors.Clone();

    /// <summary>How many loops.</summary>
    public int Count => _reactors.Length;

    /// <summary>Starts every loop on its own thread (see <see cref="Reactor.Start"/>) and returns at once.</summary>
    /// <exception cref="InvalidOperationException"><see cref="Start"/> was already called.</exception>
    /// <exception cref="ObjectDisposedException">The group was disposed.</exception>
    public void Start()
    {
        foreach (Reactor reactor in _reactors)
        {
            reactor.Start();
        }
    }

    /// <summary>
    /// Completes when every loop has ended (see <see cref="Reactor.Completion"/>) and faults if a
    /// loop failed.
    /// </summary>
    public Task Completion { get; }

    /// <summary>Asks every loop to stop.</summary>
    public void Stop()
    {
        foreach (Reactor reactor in _reactors)
        {
            reactor.Stop();
        }
    }

    /// <summary>The next loop in round-robin order; thread-safe.</summary>
    public Reactor Next() => _reactors[(int)((uint)Interlocked.Increment(ref _next) % (uint)_reactors.Length)];

    /// <summary>Stops and disposes every loop.</summary>
    public void Dispose()
    {
        foreach (Reactor? reactor in _reactors)
        {
            reactor?.Dispose();
        }
    }
}
