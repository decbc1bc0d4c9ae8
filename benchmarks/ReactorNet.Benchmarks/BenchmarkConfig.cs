using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Loggers;

namespace ReactorNet.Benchmarks;

/// <summary>
/// The suite's configuration: allocations (MemoryDiagnoser; the loop's hot paths must show 0 B)
/// and lock contention / thread-pool work (ThreadingDiagnoser) on every benchmark, results as
/// GitHub markdown and CSV.
/// </summary>
internal static class BenchmarkConfig
{
    public static IConfig Create(string artifactsPath)
    {
        IConfig defaults = DefaultConfig.Instance;
        return ManualConfig.CreateEmpty()
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddLogger(ConsoleLogger.Default)
            .AddAnalyser([.. defaults.GetAnalysers()])
            .AddValidator([.. defaults.GetValidators()])
            .AddDiagnoser(MemoryDiagnoser.Default, ThreadingDiagnoser.Default)
            .AddExporter(MarkdownExporter.GitHub, CsvExporter.Default)
            .WithArtifactsPath(artifactsPath);
    }
}
