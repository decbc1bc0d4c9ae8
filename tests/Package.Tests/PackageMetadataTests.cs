using System.IO.Compression;
using System.Text.RegularExpressions;

namespace ReactorNet.Package.Tests;

/// <summary>
/// What a stranger sees of the package before using it: the metadata in the .nuspec and the readme
/// a gallery page shows. Both are read from a package packed once for the class.
/// </summary>
public sealed class PackageMetadataTests(PackedLibrary package) : IClassFixture<PackedLibrary>
{
    [Fact]
    public void The_metadata_names_ReactorNet_and_claims_no_repository_it_cannot_link_to()
    {
        string nuspec = package.ReadEntry("ReactorNet.nuspec");

        nuspec.Should().Contain("<id>ReactorNet</id>")
            .And.Contain("<license type=\"expression\">MIT</license>")
            .And.Contain("<readme>README.md</readme>")
            .And.Contain("<authors>The ReactorNet authors</authors>");
        // There is no public repository URL: a <repository> element could only carry the commit of a
        // local checkout (or a made-up URL), which nobody reading the gallery page can follow.
        nuspec.Should().NotContain("<repository", "no real repository URL exists yet");
    }

    [Fact]
    public void The_packed_readme_stands_on_its_own_on_a_gallery_page()
    {
        string readme = package.ReadEntry("README.md");

        readme.Should().StartWith("# ReactorNet");
        // Links and images whose target is not an absolute URL point into the repository and break
        // on a gallery page, where the readme is shown without the repository around it.
        LinkTargets(readme).Where(target => !target.StartsWith("https://", StringComparison.Ordinal))
            .Should().BeEmpty("relative links break on a gallery page");
        // The repository's own commands mean nothing to someone who only has the package.
        readme.Should().NotContain("samples/").And.NotContain("--project");
        readme.Should().Contain("using ReactorNet;").And.Contain(": IConnectionHandler");
    }

    [Fact]
    public void The_link_check_sees_relative_markdown_and_html_links() =>
        LinkTargets("see [x](docs/a.md), ![i](img.png), <a href=\"LICENSE\">l</a>, [ok](https://example.org/)")
            .Should().Equal("docs/a.md", "img.png", "LICENSE", "https://example.org/");

    private static IEnumerable<string> LinkTargets(string markdown) =>
        Regex.Matches(markdown, @"\]\((?<target>[^)\s]*)|(?:src|href)\s*=\s*""(?<target>[^""]*)""")
            .Select(m => m.Groups["target"].Value);
}

/// <summary>The library packed once (from the Release build) into a temporary folder, deleted afterwards.</summary>
public sealed class PackedLibrary : IDisposable
{
    private readonly string _feed = Directory.CreateTempSubdirectory("reactornet-pack-").FullName;

    public PackedLibrary()
    {
        string repo = PackageConsumerTests.RepositoryRoot();
        PackageConsumerTests.Run("dotnet", ["pack", Path.Combine(repo, "src", "ReactorNet", "ReactorNet.csproj"), "-c", "Release", "--no-build", "-o", _feed], repo);
        Nupkg = Directory.EnumerateFiles(_feed, "ReactorNet.*.nupkg").Single();
    }

    public string Nupkg { get; }

    public string ReadEntry(string name)
    {
        using ZipArchive zip = ZipFile.OpenRead(Nupkg);
        ZipArchiveEntry entry = zip.Entries.SingleOrDefault(e => e.FullName == name)
            ?? throw new InvalidOperationException($"{name} is not in the package: {string.Join(", ", zip.Entries.Select(e => e.FullName))}");
        using var reader = new StreamReader(entry.Open());
        return reader.ReadToEnd();
    }

    public void Dispose() => Directory.Delete(_feed, recursive: true);
}
