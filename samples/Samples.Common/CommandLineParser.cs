using System.Globalization;

namespace ReactorNet.Samples.Common;

/// <summary>
/// A small <c>--name value</c> parser shared by every sample. A program declares its options
/// (each with a callback that validates and stores the value), so shared option sets such as
/// <see cref="EchoServerOptions.AddTo"/> and program-specific ones such as <c>--mode</c> live side by side.
/// </summary>
/// <remarks>
/// Accepted forms: <c>--name value</c> and <c>--name=value</c>. A value that itself starts with
/// <c>--</c> must use the second form, so that <c>--greeting --port 1</c> reports the missing
/// greeting instead of greeting with "--port". <c>--help</c> (or <c>-h</c>) anywhere wins over
/// everything else. A repeated option keeps its last value.
/// </remarks>
public sealed class CommandLineParser
{
    private readonly List<Option> _options = [];

    public CommandLineParser(string programName, string summary)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(programName);
        ProgramName = programName;
        Summary = summary ?? string.Empty;
    }

    public string ProgramName { get; }

    public string Summary { get; }

    /// <summary>Declares <c>--name VALUE</c>. <paramref name="apply"/> throws <see cref="CommandLineException"/> for a bad value.</summary>
    public CommandLineParser AddOption(string name, string valueName, string description, Action<string> apply)
    {
        ArgumentNullException.ThrowIfNull(apply);
        Add(new Option(name, valueName, description, apply, null));
        return this;
    }

    /// <summary>Declares a switch without a value, e.g. <c>--verbose</c>.</summary>
    public CommandLineParser AddFlag(string name, string description, Action apply)
    {
        ArgumentNullException.ThrowIfNull(apply);
        Add(new Option(name, null, description, null, apply));
        return this;
    }

    /// <summary>Applies <paramref name="args"/> to the declared options.</summary>
    /// <returns><see langword="true"/> when help was asked for (nothing else is applied then).</returns>
    /// <exception cref="CommandLineException">An unknown option, a missing or bad value, a stray argument.</exception>
    public bool Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        // A loop, not LINQ: this runs at every server's start, and System.Linq would be loaded
        // (its touched pages resident) for this one call (issue #10).
        for (int i = 0; i < args.Count; i++)
        {
            if (IsHelp(args[i]))
            {
                return true;
            }
        }

        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                throw new CommandLineException($"unexpected argument '{arg}'");
            }

            int equals = arg.IndexOf('=', StringComparison.Ordinal);
            string name = equals < 0 ? arg : arg[..equals];
            Option option = Find(name) ?? throw new CommandLineException($"unknown option '{name}'");

            if (option.Flag is not null)
            {
                if (equals >= 0)
                {
                    throw new CommandLineException($"{name} takes no value");
                }
                option.Flag();
                continue;
            }

            string value;
            if (equals >= 0)
            {
                value = arg[(equals + 1)..];
            }
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                value = args[++i];
            }
            else
            {
                throw new CommandLineException($"{name} requires a value ({name} {option.ValueName})");
            }
            option.Apply!(value);
        }
        return false;
    }

    /// <summary>
    /// The entry-point form of <see cref="Parse"/>: prints usage for <c>--help</c>, or a one-line
    /// error plus a hint for a bad command line.
    /// </summary>
    /// <returns><see langword="null"/> when the program should go on; otherwise the exit code to end with (0 or 2).</returns>
    public int? ParseOrExit(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        try
        {
            if (!Parse(args))
            {
                return null;
            }
            WriteUsage(stdout);
            stdout.Flush();
            return ExitCodes.Success;
        }
        catch (CommandLineException ex)
        {
            stderr.WriteLine($"{ProgramName}: {ex.Message}");
            stderr.WriteLine($"Try '{ProgramName} --help' for more information.");
            stderr.Flush();
            return ExitCodes.Usage;
        }
    }

    public void WriteUsage(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteLine($"Usage: {ProgramName} [options]");
        if (Summary.Length > 0)
        {
            writer.WriteLine();
            writer.WriteLine(Summary);
        }
        writer.WriteLine();
        writer.WriteLine("Options:");

        var rows = _options.Select(o => (Left: o.ValueName is null ? o.Name : $"{o.Name} {o.ValueName}", o.Description))
            .Append((Left: "--help", Description: "show this help and exit"))
            .ToList();
        int width = rows.Max(r => r.Left.Length) + 2;
        foreach (var (left, description) in rows)
        {
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {left.PadRight(width)}{description}"));
        }
    }

    public string GetUsage()
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        WriteUsage(writer);
        return writer.ToString();
    }

    private static bool IsHelp(string arg) => arg is "--help" or "-h";

    private void Add(Option option)
    {
        if (!option.Name.StartsWith("--", StringComparison.Ordinal) || option.Name.Length < 3 || option.Name.Contains('='))
        {
            throw new ArgumentException($"Option names look like '--name', not '{option.Name}'.", nameof(option));
        }
        if (IsHelp(option.Name) || Find(option.Name) is not null)
        {
            throw new ArgumentException($"Option '{option.Name}' is already declared.", nameof(option));
        }
        _options.Add(option);
    }

    private Option? Find(string name) => _options.Find(o => string.Equals(o.Name, name, StringComparison.Ordinal));

    private sealed record Option(string Name, string? ValueName, string Description, Action<string>? Apply, Action? Flag);
}
