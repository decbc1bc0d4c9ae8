using System.Globalization;
using System.Net;

namespace ReactorNet.Samples.Common;

/// <summary>Value parsers for options, throwing <see cref="CommandLineException"/> with a message fit for the user.</summary>
public static class OptionValues
{
    /// <param name="allowZero">Servers take 0 (any free port); a client cannot connect to it.</param>
    public static int Port(string option, string value, bool allowZero = true)
    {
        int min = allowZero ? 0 : 1;
        // NumberStyles.None: no sign, no blanks, no thousands separators — "+80" or " 80" is a typo, not a port.
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port < min || port > IPEndPoint.MaxPort)
        {
            throw new CommandLineException($"{option} expects a number from {min} to {IPEndPoint.MaxPort}, got '{value}'");
        }
        return port;
    }

    public static int PositiveInt32(string option, string value)
    {
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number < 1)
        {
            throw new CommandLineException($"{option} expects a whole number of at least 1, got '{value}'");
        }
        return number;
    }

    public static int NonNegativeInt32(string option, string value)
    {
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int number))
        {
            throw new CommandLineException($"{option} expects a whole number of at least 0, got '{value}'");
        }
        return number;
    }

    public static IPAddress IPAddress(string option, string value)
    {
        if (!System.Net.IPAddress.TryParse(value, out IPAddress? address))
        {
            throw new CommandLineException($"{option} expects an IP address such as 127.0.0.1 or ::1, got '{value}'");
        }
        return address;
    }

    /// <summary>One of <paramref name="choices"/>, compared without case.</summary>
    public static string Choice(string option, string value, params string[] choices)
    {
        ArgumentNullException.ThrowIfNull(choices);
        string? match = Array.Find(choices, c => string.Equals(c, value, StringComparison.OrdinalIgnoreCase));
        return match ?? throw new CommandLineException($"{option} expects one of {string.Join(", ", choices)}, got '{value}'");
    }
}
