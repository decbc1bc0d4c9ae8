namespace ReactorNet.Benchmarks.EchoLoad;

/// <summary>EchoLoad: drives an echo server with many connections and verifies every echoed byte. See <see cref="LoadOptions.Usage"/>.</summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Contains("-h") || args.Contains("--help"))
        {
            Console.WriteLine(LoadOptions.Usage);
            return 0;
        }
        LoadOptions options;
        try
        {
            options = LoadOptions.Parse(args);
        }
        catch (FormatException ex)
        {
            Console.Error.WriteLine($"EchoLoad: {ex.Message}");
            Console.Error.WriteLine(LoadOptions.Usage);
            return 2;
        }
        LoadReport report = new LoadRunner(options).Run();
        report.Print(Console.Out);
        if (options.JsonPath is not null)
        {
            report.WriteJson(options.JsonPath);
        }
        return report.ExitCode;
    }
}
