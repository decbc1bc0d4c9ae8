namespace ReactorNet.Samples.Tests.Support;

/// <summary>
/// Every wait in these tests is bounded. The bounds are generous because a loaded 2-core machine
/// may take seconds to start a dotnet process; a passing run never waits for them.
/// </summary>
internal static class TestTimeouts
{
    /// <summary>Start-up of a sample process until its <c>listening on</c> line.</summary>
    public static readonly TimeSpan Startup = TimeSpan.FromSeconds(30);

    /// <summary>A process expected to end (bad arguments, end of input, a signal).</summary>
    public static readonly TimeSpan Exit = TimeSpan.FromSeconds(30);

    /// <summary>Any network exchange that is expected to happen.</summary>
    public static readonly TimeSpan Network = TimeSpan.FromSeconds(20);

    /// <summary>The one negative wait: how long a reply that must not come is given to show up.</summary>
    public static readonly TimeSpan MustNotHappen = TimeSpan.FromMilliseconds(300);
}
