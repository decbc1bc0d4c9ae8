using System.Diagnostics;
using System.Text;

namespace ReactorNet.Samples.Resp.Tests.Support;

/// <summary>
/// redis-cli and redis-benchmark (Debian's redis-tools). A missing tool fails the test with the
/// fix, never skips it: <c>.ci/install-tools</c> (run by the README's test path) installs them.
/// </summary>
internal static class RedisTools
{
    public static string Find(string tool)
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, tool);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new InvalidOperationException(
            $"'{tool}' is not on PATH. It comes with Debian's redis-tools: run 'bash .ci/install-tools' (CI's .ci/run does).");
    }

    /// <summary>Runs a tool to its end (bounded by <paramref name="timeout"/>) with <paramref name="stdin"/> as input.</summary>
    public static (int ExitCode, string StandardOutput, string StandardError) Run(string tool, IEnumerable<string> arguments, string stdin, TimeSpan timeout)
    {
        var startInfo = new ProcessStartInfo(Find(tool))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (string argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }
        using var process = Process.Start(startInfo)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} did not finish within {timeout}. Output so far is lost with the kill.");
        }
        if (!Task.WaitAll([stdout, stderr], timeout))
        {
            throw new TimeoutException($"The output of {tool} did not end within {timeout}.");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
