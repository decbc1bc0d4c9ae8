using System.Diagnostics;
using System.Net;
using System.Text;
using ReactorNet.Samples.Common;

namespace ReactorNet.Samples.Tests.Support;

/// <summary>
/// A sample running as a child process (<c>dotnet X.dll args</c>) with its stdout and stderr
/// captured. Every wait is bounded; Dispose kills the process if it is still running.
/// </summary>
internal sealed class SampleProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource<IPEndPoint> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(string Text, TaskCompletionSource Seen)> _stderrWaiters = [];
    private readonly List<(string Text, TaskCompletionSource<string> Line)> _stdoutWaiters = [];

    private SampleProcess(SampleApp app, IReadOnlyList<string> arguments, int? maxOpenFiles)
    {
        App = app;
        // With a descriptor limit the child runs under sh, which lowers RLIMIT_NOFILE and then
        // execs the dotnet host in its place (same pid).
        var startInfo = new ProcessStartInfo(maxOpenFiles is null ? DotNetHost.Path : "/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (maxOpenFiles is int limit)
        {
            startInfo.ArgumentList.Add("-c");
            startInfo.ArgumentList.Add($"ulimit -n {limit} && exec \"$0\" \"$@\"");
            startInfo.ArgumentList.Add(DotNetHost.Path);
        }
        startInfo.ArgumentList.Add(app.DllPath);
        foreach (string argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }
        startInfo.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        startInfo.Environment["DOTNET_NOLOGO"] = "1";

        _process = new Process { StartInfo = startInfo };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data, _stdout, _stdoutClosed, parseListening: true);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data, _stderr, _stderrClosed, parseListening: false);
    }

    public SampleApp App { get; }

    public int Id => _process.Id;

    /// <summary>The child's stdin (UTF-8, no BOM); close it to send end of input.</summary>
    public StreamWriter StandardInput => _process.StandardInput;

    public string StandardOutput
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public IReadOnlyList<string> StandardOutputLines => StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <param name="app">The sample.</param>
    /// <param name="arguments">Its command line.</param>
    /// <param name="maxOpenFiles">RLIMIT_NOFILE for the child, if not inherited.</param>
    /// <param name="drainStandardError">False: stderr is a pipe nobody reads (a stuck log consumer); <see cref="WaitForExit"/> cannot be used then.</param>
    public static SampleProcess Start(SampleApp app, IReadOnlyList<string> arguments, int? maxOpenFiles = null, bool drainStandardError = true)
    {
        var sample = new SampleProcess(app, arguments, maxOpenFiles);
        sample._process.Start();
        sample._process.BeginOutputReadLine();
        if (drainStandardError)
        {
            sample._process.BeginErrorReadLine();
        }
        return sample;
    }

    /// <summary>Waits for the <c>listening on HOST:PORT</c> line and returns the endpoint it names.</summary>
    public IPEndPoint WaitForListening()
    {
        Task<IPEndPoint> listening = _listening.Task;
        if (!listening.Wait(TestTimeouts.Startup))
        {
            throw new TimeoutException($"{App} did not print its listening line within {TestTimeouts.Startup}.{Describe()}");
        }
        return listening.Result;
    }

    /// <summary>Waits for the process to end, and for its output to be read to the end.</summary>
    /// <returns>The exit code.</returns>
    public int WaitForExit()
    {
        if (!_process.WaitForExit(TestTimeouts.Exit))
        {
            throw new TimeoutException($"{App} did not exit within {TestTimeouts.Exit}.{Describe()}");
        }
        if (!Task.WaitAll([_stdoutClosed.Task, _stderrClosed.Task], TestTimeouts.Exit))
        {
            throw new TimeoutException($"The output of {App} did not end within {TestTimeouts.Exit}.{Describe()}");
        }
        return _process.ExitCode;
    }

    /// <summary>Waits until stderr contains <paramref name="text"/> (e.g. a log line that marks a state).</summary>
    public void WaitForStandardError(string text)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_stderr)
        {
            if (_stderr.ToString().Contains(text, StringComparison.Ordinal))
            {
                return;
            }
            _stderrWaiters.Add((text, seen));
        }
        if (!seen.Task.Wait(TestTimeouts.Exit))
        {
            throw new TimeoutException($"{App} did not write '{text}' to stderr within {TestTimeouts.Exit}.{Describe()}");
        }
    }

    /// <summary>Waits for a stdout line that contains <paramref name="text"/> (the first one, even if it came before the call) and returns it.</summary>
    public string WaitForStandardOutputLine(string text)
    {
        var line = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_stdout)
        {
            string? seen = StandardOutputLines.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal));
            if (seen is not null)
            {
                return seen;
            }
            _stdoutWaiters.Add((text, line));
        }
        if (!line.Task.Wait(TestTimeouts.Exit))
        {
            throw new TimeoutException($"{App} did not write '{text}' to stdout within {TestTimeouts.Exit}.{Describe()}");
        }
        return line.Task.Result;
    }

    public void SendSignal(int signal) => Posix.SendSignal(_process.Id, signal);

    /// <summary>Output so far, for failure messages.</summary>
    public string Describe() => $"\n--- stdout of {App} ---\n{StandardOutput}--- stderr of {App} ---\n{StandardError}";

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(TestTimeouts.Exit);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
        _process.Dispose();
    }

    private void OnLine(string? line, StringBuilder into, TaskCompletionSource closed, bool parseListening)
    {
        if (line is null)
        {
            closed.TrySetResult();
            if (parseListening)
            {
                _listening.TrySetException(new InvalidOperationException($"{App} closed its stdout without a listening line.{Describe()}"));
            }
            return;
        }

        lock (into)
        {
            into.Append(line).Append('\n');
            if (into == _stderr)
            {
                string text = into.ToString();
                _stderrWaiters.RemoveAll(w => text.Contains(w.Text, StringComparison.Ordinal) && w.Seen.TrySetResult());
            }
            else
            {
                _stdoutWaiters.RemoveAll(w => line.Contains(w.Text, StringComparison.Ordinal) && w.Line.TrySetResult(line));
            }
        }
        if (parseListening && ListeningLine.TryParse(line, out IPEndPoint? endPoint))
        {
            _listening.TrySetResult(endPoint);
        }
    }
}
