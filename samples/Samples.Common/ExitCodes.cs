namespace ReactorNet.Samples.Common;

/// <summary>The exit codes every sample uses; scripts and tests rely on them.</summary>
public static class ExitCodes
{
    /// <summary>Normal end, including a shutdown by Ctrl+C or SIGTERM and <c>--help</c>.</summary>
    public const int Success = 0;

    /// <summary>A run-time failure: the port is taken, the server refused the connection, ...</summary>
    public const int Failure = 1;

    /// <summary>A bad command line (the convention of getopt-style tools).</summary>
    public const int Usage = 2;
}
