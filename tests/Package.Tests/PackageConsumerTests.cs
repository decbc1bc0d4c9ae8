using System.Diagnostics;
using System.IO.Compression;
using System.Text;

namespace ReactorNet.Package.Tests;

/// <summary>
/// Proves the package works for a stranger: pack the library into a temporary folder, create a
/// console app outside the solution that references the package from that folder only, build it
/// and run an echo exchange with it.
/// </summary>
public sealed class PackageConsumerTests : IDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(4);
    private readonly string _work = Directory.CreateTempSubdirectory("reactor-package-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public void The_packed_library_serves_an_echo_exchange_in_a_fresh_console_app()
    {
        string repo = RepositoryRoot();
        string feed = Directory.CreateDirectory(Path.Combine(_work, "feed")).FullName;
        // A version no registry has, so restore can only find the package in the local feed.
        string version = $"0.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";

        Run("dotnet", ["pack", Path.Combine(repo, "src", "ReactorNet", "ReactorNet.csproj"), "-c", "Release", "--no-build", "-o", feed, $"-p:PackageVersion={version}"], repo);
        string nupkg = Path.Combine(feed, $"ReactorNet.{version}.nupkg");
        File.Exists(nupkg).Should().BeTrue();
        File.Exists(Path.ChangeExtension(nupkg, ".snupkg")).Should().BeTrue("symbols ship in a .snupkg");
        using (ZipArchive zip = ZipFile.OpenRead(nupkg))
        {
            zip.Entries.Select(e => e.FullName).Should().Contain(["ReactorNet.nuspec", "lib/net10.0/ReactorNet.dll", "lib/net10.0/ReactorNet.xml", "README.md"]);
        }

        string app = Directory.CreateDirectory(Path.Combine(_work, "app")).FullName;
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="reactor-local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(app, "Stranger.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <RestorePackagesPath>{Path.Combine(_work, "packages")}</RestorePackagesPath>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="ReactorNet" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using System.Net;
            using System.Net.Sockets;
            using ReactorNet;
            using ReactorNet.Tcp;

            using var reactor = new Reactor();
            reactor.Start();
            Task loop = reactor.Completion;
            using var server = new TcpServer(reactor, new IPEndPoint(IPAddress.Loopback, 0), () => new Echo());
            using var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
            client.Connect(server.LocalEndPoint);
            client.Send("hello from a stranger"u8);
            var reply = new byte[64];
            int got = 0;
            while (got < 21)
            {
                got += client.Receive(reply, got, reply.Length - got, SocketFlags.None);
            }
            Console.WriteLine("echo: " + System.Text.Encoding.UTF8.GetString(reply, 0, got));
            reactor.Stop();
            loop.Wait();

            sealed class Echo : IConnectionHandler
            {
                public int OnData(TcpConnection connection, ReadOnlySpan<byte> data)
                {
                    connection.TrySend(data);
                    return data.Length;
                }
            }
            """);

        string output = Run("dotnet", ["run", "-c", "Release"], app);
        output.Should().Contain("echo: hello from a stranger");
        Directory.EnumerateFiles(app, "*.csproj").Should().ContainSingle("the app references the package, not the project");
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Reactor.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Reactor.sln not found above the test assembly.");
    }

    internal static string Run(string file, string[] arguments, string directory)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(info)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(CommandTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not finish in {CommandTimeout}.\n{output}");
        }
        process.WaitForExit();
        lock (output)
        {
            process.ExitCode.Should().Be(0, $"{file} {string.Join(' ', arguments)} failed:\n{output}");
            return output.ToString();
        }
    }
}
