using System.ComponentModel;
using System.Runtime.InteropServices;

namespace ReactorNet.Samples.Tests.Support;

/// <summary><see cref="System.Diagnostics.Process.Kill()"/> only sends SIGKILL; graceful shutdown needs SIGTERM.</summary>
internal static partial class Posix
{
    public const int SIGUSR1 = 10;
    public const int SIGTERM = 15;

    public static void SendSignal(int pid, int signal)
    {
        if (kill(pid, signal) != 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), $"kill({pid}, {signal}) failed");
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);
}
