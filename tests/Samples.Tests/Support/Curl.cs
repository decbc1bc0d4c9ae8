using System.Diagnostics;
using System.Text;

namespace ReactorNet.Samples.Tests.Support;

/// <summary>
/// Runs the curl command-line client (Debian package <c>curl</c>). A test that needs it FAILS when it
/// is missing — a skipped end-to-end test would hide that the real client was never tried.
/// <c>.ci/install-tools</c> installs it; the README's test command runs that script first.
/// </summary>
internal static class Curl
{
    private static readonly Lazy<string?> s_path = new(() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "curl"))
            .FirstOrDefault(File.Exists));

    public static string Executable => s_path.Value
        ?? throw new InvalidOperationException("curl is not installed; run 'bash .ci/install-tools' (Debian: apt-get install curl) and test again.");

    /// <summary>Runs curl with <paramref name="arguments"/>; bounded by <see cref="TestTimeouts.Network"/> (curl's own --max-time too).</summary>
    public static async Task<CurlResult> RunAsync(params string[] arguments)
    {
        var startInfo = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add("--max-time");
        startInfo.ArgumentList.Add(((int)TestTimeouts.Network.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (string argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }
        using var process = Process.Start(startInfo)!;
        using var stdout = new MemoryStream();
        Task copyOut = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        Task<string> readErr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TestTimeouts.Network + TimeSpan.FromSeconds(10));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
            await Task.WhenAll(copyOut, readErr).WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException($"curl {string.Join(' ', arguments)} did not finish in time.");
        }
        return new CurlResult(process.ExitCode, stdout.ToArray(), await readErr);
    }
}

internal sealed record CurlResult(int ExitCode, byte[] Output, string Error)
{
    public string Text => Encoding.Latin1.GetString(Output);

    public override string ToString() => $"curl exit {ExitCode}\n--- stdout ---\n{Text}\n--- stderr ---\n{Error}";
}
