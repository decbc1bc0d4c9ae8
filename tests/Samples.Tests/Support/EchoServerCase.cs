namespace ReactorNet.Samples.Tests.Support;

/// <summary>
/// An echo server the end-to-end tests run: which sample, with which arguments. Tests take the
/// case's name as a theory parameter (a string, so each case shows up as its own test).
/// </summary>
internal sealed record EchoServerCase(string Name, SampleApp App, IReadOnlyList<string> Arguments)
{
    public static readonly EchoServerCase ClassicBlocking = new("classic-blocking", SampleApp.ClassicEchoServer, ["--mode", "blocking"]);

    public static readonly EchoServerCase ClassicThreaded = new("classic-threaded", SampleApp.ClassicEchoServer, ["--mode", "threaded"]);

    public static readonly EchoServerCase Reactor = new("reactor", SampleApp.EchoServer, []);

    public static readonly EchoServerCase ReactorTwoLoops = new("reactor-2-loops", SampleApp.EchoServer, ["--loops", "2"]);

    private static readonly EchoServerCase[] s_all = [ClassicBlocking, ClassicThreaded, Reactor, ReactorTwoLoops];

    /// <summary>Every echo server: the protocol tests (echo, greeting, SIGTERM) run against each.</summary>
    public static TheoryData<string> All => new(s_all.Select(c => c.Name));

    /// <summary>Servers that serve clients concurrently (all but the blocking one).</summary>
    public static TheoryData<string> Concurrent => new(s_all.Where(c => c != ClassicBlocking).Select(c => c.Name));

    public static EchoServerCase Get(string name) =>
        Array.Find(s_all, c => c.Name == name) ?? throw new ArgumentException($"Unknown echo server case '{name}'.", nameof(name));

    /// <summary>Starts the server on 127.0.0.1 with an ephemeral port and waits for its <c>listening on</c> line.</summary>
    public SampleProcess Start(params string[] extraArguments)
    {
        var process = SampleProcess.Start(App, [.. Arguments, "--host", "127.0.0.1", "--port", "0", .. extraArguments]);
        try
        {
            process.WaitForListening();
            return process;
        }
        catch
        {
            process.Dispose();
            throw;
        }
    }

    public override string ToString() => Name;
}
