namespace ReactorNet.Tests.Children;

/// <summary>
/// The test assembly doubles as a program for tests that need a separate process (a signal
/// disposition, a crash that must not take the test host down): <c>dotnet ReactorNet.Tests.dll NAME</c>.
/// The test host never calls this entry point.
/// </summary>
internal static class ChildEntryPoint
{
    public static int Main(string[] args) => args switch
    {
        [SigPipeProbe.Name] => SigPipeProbe.Run(),
        ["first-bind" or "reactor-emfile" or "server-emfile", ..] => ReactorNet.Tests.Support.ChildScenarios.Run(args),
        _ => 64, // EX_USAGE
    };
}
