namespace ReactorNet.Samples.Common;

/// <summary>
/// A bad command line. The message is shown to the user as is, so it names the option and the
/// offending value, e.g. <c>--port expects a number from 0 to 65535, got 'abc'</c>.
/// </summary>
public sealed class CommandLineException : Exception
{
    public CommandLineException(string message) : base(message)
    {
    }

    public CommandLineException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
