using System.Reflection;
using ReactorNet.Tcp;

namespace ReactorNet.Hosting.Tests;

/// <summary>
/// The hosting package mirrors the library's options in mutable classes for configuration binding.
/// A library option added without its hosted twin (or a twin that is never copied across) would be
/// silently unconfigurable from appsettings: these tests compare the two sides by reflection, so they
/// fail the day the library grows an option the hosting package does not carry.
/// </summary>
public sealed class OptionsCoverageTests
{
    // Taken from dependency injection, not from configuration.
    private static readonly string[] s_fromServices = ["LoggerFactory", "MeterFactory"];

    [Theory]
    [InlineData(typeof(TcpConnectionOptions), typeof(HostedTcpConnectionOptions))]
    [InlineData(typeof(TcpServerOptions), typeof(HostedTcpServerOptions))]
    [InlineData(typeof(ReactorOptions), typeof(ReactorGroupOptions))]
    public void Every_library_option_has_a_configurable_twin(Type library, Type hosted)
    {
        var twins = hosted.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite).ToDictionary(p => p.Name);
        foreach (PropertyInfo option in Settable(library).Where(p => !s_fromServices.Contains(p.Name)))
        {
            twins.Should().ContainKey(option.Name, $"{library.Name}.{option.Name} must be settable from configuration");
        }
    }

    [Fact]
    public void Every_connection_setting_reaches_the_library_options()
    {
        var hosted = new HostedTcpConnectionOptions();
        var expected = new Dictionary<string, object>();
        var defaults = TcpConnectionOptions.Default;
        foreach (PropertyInfo twin in typeof(HostedTcpConnectionOptions).GetProperties().Where(p => p.CanWrite))
        {
            object value = NonDefault(typeof(TcpConnectionOptions).GetProperty(twin.Name)!.GetValue(defaults)!);
            twin.SetValue(hosted, value);
            expected[twin.Name] = value;
        }

        TcpConnectionOptions built = hosted.ToTcpConnectionOptions();

        foreach (var (name, value) in expected)
            typeof(TcpConnectionOptions).GetProperty(name)!.GetValue(built).Should().Be(value, $"{name} is copied across");
    }

    [Fact]
    public void Every_server_setting_reaches_the_library_options()
    {
        var hosted = new HostedTcpServerOptions();
        var expected = new Dictionary<string, object>();
        var defaults = new TcpServerOptions();
        foreach (PropertyInfo option in Settable(typeof(TcpServerOptions)).Where(p => p.Name != nameof(TcpServerOptions.Connection)))
        {
            object value = NonDefault(option.GetValue(defaults)!);
            typeof(HostedTcpServerOptions).GetProperty(option.Name)!.SetValue(hosted, value);
            expected[option.Name] = value;
        }

        TcpServerOptions built = hosted.ToTcpServerOptions();

        foreach (var (name, value) in expected)
            typeof(TcpServerOptions).GetProperty(name)!.GetValue(built).Should().Be(value, $"{name} is copied across");
    }

    [Fact]
    public void Every_loop_setting_reaches_the_library_options()
    {
        var hosted = new ReactorGroupOptions();
        var expected = new Dictionary<string, object>();
        var defaults = new ReactorOptions();
        foreach (PropertyInfo option in Settable(typeof(ReactorOptions)).Where(p => !s_fromServices.Contains(p.Name)))
        {
            object value = NonDefault(option.GetValue(defaults)!);
            typeof(ReactorGroupOptions).GetProperty(option.Name)!.SetValue(hosted, value);
            expected[option.Name] = value;
        }

        ReactorOptions built = hosted.ToReactorOptions(null, null);

        foreach (var (name, value) in expected)
            typeof(ReactorOptions).GetProperty(name)!.GetValue(built).Should().Be(value, $"{name} is copied across");
    }

    private static IEnumerable<PropertyInfo> Settable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite);

    // A valid value different from the default (doubling keeps low < high < limit orderings intact).
    private static object NonDefault(object defaultValue) => defaultValue switch
    {
        int i => i > 0 ? i * 2 : 3,
        long l => l > 0 ? l * 2 : 3L,
        bool b => !b,
        TimeSpan t => t > TimeSpan.Zero && t < TimeSpan.FromDays(1) ? t * 2 : TimeSpan.FromSeconds(7),
        string s => s + "-test",
        Enum e => Enum.GetValues(e.GetType()).Cast<object>().First(v => !v.Equals(e)),
        _ => throw new NotSupportedException($"no test value for an option of type {defaultValue.GetType()}"),
    };
}
