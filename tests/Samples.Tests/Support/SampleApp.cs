namespace ReactorNet.Samples.Tests.Support;

/// <summary>
/// A sample program. The test project references each sample project, so the build copies the
/// sample's dll, runtimeconfig and deps files next to the test assembly; tests run it from there
/// with <c>dotnet &lt;name&gt;.dll</c>.
/// </summary>
internal sealed record SampleApp(string AssemblyName)
{
    public static readonly SampleApp ClassicEchoServer = new("ClassicEchoServer");

    public static readonly SampleApp EchoClient = new("EchoClient");

    public static readonly SampleApp EchoServer = new("EchoServer");

    public static readonly SampleApp TcpProxy = new("TcpProxy");

    public static readonly SampleApp HttpServer = new("HttpServer");

    public static readonly SampleApp HostedEchoServer = new("HostedEchoServer");

    public static SampleApp Get(string assemblyName) => assemblyName switch
    {
        nameof(ClassicEchoServer) => ClassicEchoServer,
        nameof(EchoClient) => EchoClient,
        nameof(EchoServer) => EchoServer,
        nameof(TcpProxy) => TcpProxy,
        nameof(HttpServer) => HttpServer,
        nameof(HostedEchoServer) => HostedEchoServer,
        _ => throw new ArgumentException($"Unknown sample '{assemblyName}'.", nameof(assemblyName)),
    };

    public string DllPath
    {
        get
        {
            string path = Path.Combine(AppContext.BaseDirectory, AssemblyName + ".dll");
            if (!File.Exists(path) || !File.Exists(Path.ChangeExtension(path, ".runtimeconfig.json")))
            {
                throw new FileNotFoundException(
                    $"{AssemblyName}.dll and its runtimeconfig.json are not next to the test assembly; does Samples.Tests.csproj reference the sample project?", path);
            }
            return path;
        }
    }

    public override string ToString() => AssemblyName;
}
