using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;

namespace ReactorNet.Package.Tests;

/// <summary>The Generic Host package: packs with its docs and README, and depends on the ReactorNet package of the same version.</summary>
public sealed class HostingPackageTests : IDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(4);
    private readonly string _feed = Directory.CreateTempSubdirectory("reactor-hosting-package-").FullName;

    public void Dispose() => Directory.Delete(_feed, recursive: true);

    [Fact]
    public void The_hosting_package_depends_on_the_reactornet_package_of_its_version()
    {
        string version = $"0.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        string project = Path.Combine(RepositoryRoot(), "src", "ReactorNet.Hosting", "ReactorNet.Hosting.csproj");

        Pack(project, version);

        string nupkg = Path.Combine(_feed, $"ReactorNet.Hosting.{version}.nupkg");
        File.Exists(nupkg).Should().BeTrue();
        using ZipArchive zip = ZipFile.OpenRead(nupkg);
        zip.Entries.Select(e => e.FullName).Should().Contain(["lib/net10.0/ReactorNet.Hosting.dll", "lib/net10.0/ReactorNet.Hosting.xml", "README.md"]);
        XDocument nuspec;
        using (Stream stream = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open())
        {
            nuspec = XDocument.Load(stream);
        }
        XNamespace ns = nuspec.Root!.Name.Namespace;
        nuspec.Descendants(ns + "repository").Should().BeEmpty("no real repository URL exists yet");
        XElement[] dependencies = nuspec.Descendants(ns + "dependency").ToArray();
        dependencies.Should().Contain(d => (string?)d.Attribute("id") == "ReactorNet" && (string?)d.Attribute("version") == version);
        dependencies.Should().Contain(d => (string?)d.Attribute("id") == "Microsoft.Extensions.Hosting.Abstractions");
    }

    private void Pack(string project, string version)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { "pack", project, "-c", "Release", "--no-build", "-o", _feed, $"-p:PackageVersion={version}" })
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(info)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(CommandTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet pack did not finish in {CommandTimeout}.");
        }
        process.WaitForExit();
        process.ExitCode.Should().Be(0, $"dotnet pack failed:\n{stdout.Result}\n{stderr.Result}");
    }

    private static string RepositoryRoot()
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
}
