namespace ReactorNet.Benchmarks;

/// <summary>
/// Finds the repository root at run time (the nearest directory holding <c>Reactor.sln</c>), so
/// results land in the same place whatever the current directory and wherever the tree is checked out.
/// </summary>
internal static class RepositoryRoot
{
    private const string Marker = "Reactor.sln";

    public static string Find()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, Marker)))
                {
                    return dir.FullName;
                }
            }
        }
        throw new DirectoryNotFoundException($"No {Marker} above the current directory or {AppContext.BaseDirectory}; run from inside the repository.");
    }
}
