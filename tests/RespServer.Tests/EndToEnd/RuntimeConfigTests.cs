using System.Text.Json;
using ReactorNet.Samples.Resp.Tests.Support;

namespace ReactorNet.Samples.Resp.Tests.EndToEnd;

/// <summary>
/// The runtime settings RespServer ships with (its runtimeconfig.json): the CPU per request that
/// README's benchmark table reports depends on them.
/// </summary>
public sealed class RuntimeConfigTests
{
    private static JsonElement ConfigProperties()
    {
        string path = Path.ChangeExtension(RespServerProcess.App.DllPath, ".runtimeconfig.json");
        using JsonDocument config = JsonDocument.Parse(File.ReadAllText(path));
        return config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties").Clone();
    }

    [Fact]
    public void Tiered_compilation_is_off_so_requests_never_run_unoptimized_code()
    {
        // With tiering, a fresh server runs its first requests in quick, unoptimized code while a
        // background thread compiles them again: a cold redis-benchmark -P 16 run paid ~0.5 µs per request for it.
        ConfigProperties().GetProperty("System.Runtime.TieredCompilation").GetBoolean().Should().BeFalse();
    }
}
