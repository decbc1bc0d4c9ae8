using System.Text.Json;

namespace ReactorNet.Benchmarks.EchoLoad;

/// <summary>The figures of one run: printed for people, and written as JSON for scripts.</summary>
internal sealed class LoadReport(
    LoadOptions options, double seconds, CounterSnapshot measured, CounterSnapshot final, LatencyHistogram latency,
    IReadOnlyList<KeyValuePair<string, long>> errorKinds, int gen0Collections)
{
    public double RoundTripsPerSecond => seconds > 0 ? measured.RoundTrips / seconds : 0;

    /// <summary>Echoed payload received per second, in 10^6 bytes.</summary>
    public double MegabytesPerSecond => seconds > 0 ? measured.BytesReceived / seconds / 1e6 : 0;

    /// <summary>0 when every byte matched and at least one round trip completed in the measured window; 1 otherwise.</summary>
    public int ExitCode => final.Mismatches == 0 && measured.RoundTrips > 0 ? 0 : 1;

    public void Print(TextWriter output)
    {
        output.WriteLine();
        output.WriteLine($"target        {options.EndPoint}");
        output.WriteLine($"load          {options.Connections} connections x {options.Size} B x depth {options.Depth}, {options.Threads} loops, {seconds:F2} s measured after {options.WarmupSeconds:F1} s warmup");
        output.WriteLine($"connections   {final.Connected} established, {final.ConnectFailed} failed, {final.Open} open at the end");
        output.WriteLine($"round trips   {measured.RoundTrips:N0} ({RoundTripsPerSecond:N0}/s)");
        output.WriteLine($"throughput    {MegabytesPerSecond:F2} MB/s echoed");
        output.WriteLine($"latency (µs)  p50 {P(50):F1}  p90 {P(90):F1}  p99 {P(99):F1}  p99.9 {P(99.9):F1}  max {latency.MaxMicroseconds:F1}  mean {latency.MeanMicroseconds:F1}");
        string kinds = string.Join(", ", errorKinds.Select(e => $"{e.Value} {e.Key}"));
        output.WriteLine(final.Errors == 0 ? "errors        0" : $"errors        {final.Errors}: {kinds}");
        output.WriteLine($"mismatches    {final.Mismatches}");
        output.WriteLine($"client GCs    {gen0Collections} during the measured window");
        if (measured.RoundTrips == 0)
        {
            output.WriteLine("FAILED: no round trip completed in the measured window");
        }
        else if (final.Mismatches != 0)
        {
            output.WriteLine("FAILED: echoed bytes did not match what was sent");
        }
    }

    public void WriteJson(string path)
    {
        using FileStream file = File.Create(path);
        using var json = new Utf8JsonWriter(file, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("target", options.EndPoint.ToString());
        json.WriteNumber("connections", options.Connections);
        json.WriteNumber("size", options.Size);
        json.WriteNumber("depth", options.Depth);
        json.WriteNumber("threads", options.Threads);
        json.WriteNumber("warmupSeconds", options.WarmupSeconds);
        json.WriteNumber("measuredSeconds", Math.Round(seconds, 3));
        json.WriteNumber("roundTrips", measured.RoundTrips);
        json.WriteNumber("roundTripsPerSecond", Math.Round(RoundTripsPerSecond, 1));
        json.WriteNumber("megabytesPerSecond", Math.Round(MegabytesPerSecond, 3));
        json.WriteStartObject("latencyMicroseconds");
        json.WriteNumber("p50", Math.Round(P(50), 1));
        json.WriteNumber("p90", Math.Round(P(90), 1));
        json.WriteNumber("p99", Math.Round(P(99), 1));
        json.WriteNumber("p999", Math.Round(P(99.9), 1));
        json.WriteNumber("max", Math.Round(latency.MaxMicroseconds, 1));
        json.WriteNumber("mean", Math.Round(latency.MeanMicroseconds, 1));
        json.WriteEndObject();
        json.WriteNumber("connectionsEstablished", final.Connected);
        json.WriteNumber("connectionsFailed", final.ConnectFailed);
        json.WriteNumber("connectionsOpenAtEnd", final.Open);
        json.WriteNumber("errors", final.Errors);
        json.WriteStartObject("errorKinds");
        foreach ((string kind, long count) in errorKinds)
        {
            json.WriteNumber(kind, count);
        }
        json.WriteEndObject();
        json.WriteNumber("mismatches", final.Mismatches);
        json.WriteNumber("clientGen0Collections", gen0Collections);
        json.WriteBoolean("ok", ExitCode == 0);
        json.WriteEndObject();
    }

    private double P(double percentile) => latency.PercentileMicroseconds(percentile);
}
