using System.Runtime.InteropServices;

namespace ReactorNet.Samples.Tests.Support;

/// <summary>Finds the <c>dotnet</c> executable that runs these tests, to run the samples with the same one.</summary>
internal static class DotNetHost
{
    private static readonly Lazy<string> s_path = new(Find);

    public static string Path => s_path.Value;

    private static string Find()
    {
        string executable = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";

        // The test host may itself be "dotnet testhost.dll".
        string? process = Environment.ProcessPath;
        if (process is not null && string.Equals(System.IO.Path.GetFileName(process), executable, StringComparison.OrdinalIgnoreCase))
        {
            return process;
        }

        // Set by the dotnet CLI (dotnet test, dotnet build) for the processes it starts.
        string? hostPath = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(hostPath) && File.Exists(hostPath))
        {
            return hostPath;
        }

        // The runtime lives in <root>/shared/Microsoft.NETCore.App/<version>/; the host is <root>/dotnet.
        string runtimeDirectory = RuntimeEnvironment.GetRuntimeDirectory().TrimEnd(System.IO.Path.DirectorySeparatorChar);
        DirectoryInfo? root = Directory.GetParent(runtimeDirectory)?.Parent?.Parent;
        if (root is not null && File.Exists(System.IO.Path.Combine(root.FullName, executable)))
        {
            return System.IO.Path.Combine(root.FullName, executable);
        }

        return executable; // last resort: whatever PATH finds
    }
}
