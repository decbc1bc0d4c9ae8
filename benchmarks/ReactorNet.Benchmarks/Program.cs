using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace ReactorNet.Benchmarks;

/// <summary>
/// Runs the suite through BenchmarkDotNet's switcher (so <c>--filter</c>, <c>--job</c>, <c>--list</c>
/// and the rest work). BenchmarkDotNet writes logs and reports under
/// <c>benchmarks/results/BenchmarkDotNet.Artifacts</c> (not committed); the markdown and CSV reports
/// are then copied to <c>benchmarks/results/</c>, where they are kept. A run given its own
/// <c>--artifacts</c> directory (a smoke test, say) leaves <c>benchmarks/results/</c> alone.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        string results = Path.Combine(RepositoryRoot.Find(), "benchmarks", "results");
        string artifacts = Path.Combine(results, "BenchmarkDotNet.Artifacts");
        IEnumerable<Summary> summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly)
            .Run(args, BenchmarkConfig.Create(artifacts));
        int failures = 0;
        foreach (Summary summary in summaries)
        {
            failures += summary.HasCriticalValidationErrors ? 1 : 0;
            failures += summary.Reports.Count(r => !r.Success);
            if (Path.GetFullPath(summary.ResultsDirectoryPath).StartsWith(Path.GetFullPath(artifacts), StringComparison.Ordinal))
            {
                CopyReports(summary.ResultsDirectoryPath, results);
            }
        }
        return failures == 0 ? 0 : 1;
    }

    private static void CopyReports(string from, string to)
    {
        if (!Directory.Exists(from))
        {
            return;
        }
        foreach (string file in Directory.EnumerateFiles(from))
        {
            if (file.EndsWith(".md", StringComparison.Ordinal) || file.EndsWith(".csv", StringComparison.Ordinal))
            {
                File.Copy(file, Path.Combine(to, Path.GetFileName(file)), overwrite: true);
            }
        }
    }
}
