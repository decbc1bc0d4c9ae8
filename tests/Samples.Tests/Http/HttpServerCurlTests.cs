using System.Net;
using ReactorNet.Samples.Tests.Support;

namespace ReactorNet.Samples.Tests.Http;

/// <summary>One HttpServer process for the curl tests (started once: process start-up is the slow part).</summary>
public sealed class HttpServerProcessFixture : IDisposable
{
    public const int MaxBody = 16 << 20;

    public HttpServerProcessFixture()
    {
        Process = SampleProcess.Start(SampleApp.HttpServer, ["--host", "127.0.0.1", "--port", "0", "--max-body", MaxBody.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        EndPoint = Process.WaitForListening();
    }

    internal SampleProcess Process { get; }

    public IPEndPoint EndPoint { get; }

    public string Url(string path) => $"http://{EndPoint}{path}";

    public void Dispose() => Process.Dispose();
}

/// <summary>The HttpServer sample as a real process, with curl as the client.</summary>
public sealed class HttpServerCurlTests(HttpServerProcessFixture server) : IClassFixture<HttpServerProcessFixture>
{
    [Fact]
    public async Task Get_returns_hello_world_with_the_standard_headers()
    {
        CurlResult result = await Curl.RunAsync("-sS", "-i", server.Url("/"));

        result.ExitCode.Should().Be(0, result.ToString());
        result.Text.Should().StartWith("HTTP/1.1 200 OK\r\n").And.Contain("Server: ReactorNet\r\n").And.Contain("Date: ")
            .And.Contain("Content-Length: 13\r\n").And.EndWith("\r\n\r\nHello, World!");
    }

    [Fact]
    public async Task Get_json_returns_the_message()
    {
        CurlResult result = await Curl.RunAsync("-sS", server.Url("/json"));

        result.Text.Should().Be("{\"message\":\"Hello, World!\"}", result.ToString());
    }

    [Fact]
    public async Task Head_returns_the_headers_only()
    {
        CurlResult result = await Curl.RunAsync("-sS", "-I", server.Url("/plaintext"));

        result.ExitCode.Should().Be(0, result.ToString());
        result.Text.Should().StartWith("HTTP/1.1 200 OK\r\n").And.Contain("Content-Length: 13\r\n").And.EndWith("\r\n\r\n");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Post_echoes_a_10_MiB_body(bool chunked)
    {
        string file = Path.GetTempFileName();
        try
        {
            byte[] body = new byte[10 << 20];
            new Random(chunked ? 1 : 2).NextBytes(body);
            await File.WriteAllBytesAsync(file, body);
            List<string> args = ["-sS", "--data-binary", "@" + file, "-H", "Content-Type: application/octet-stream"];
            if (chunked)
            {
                args.AddRange(["-H", "Transfer-Encoding: chunked"]);
            }
            args.Add(server.Url("/"));

            CurlResult result = await Curl.RunAsync([.. args]);

            result.ExitCode.Should().Be(0, result.Error);
            result.Output.Length.Should().Be(body.Length);
            result.Output.AsSpan().SequenceEqual(body).Should().BeTrue("the echoed body must be the body sent");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Two_urls_reuse_one_keep_alive_connection()
    {
        CurlResult result = await Curl.RunAsync("-sS", "-v", server.Url("/plaintext"), server.Url("/json"));

        result.ExitCode.Should().Be(0, result.ToString());
        result.Error.Should().Contain("Re-using existing connection");
        result.Text.Should().Be("Hello, World!{\"message\":\"Hello, World!\"}");
    }

    [Fact]
    public async Task Http_1_0_is_answered_and_the_connection_closed()
    {
        CurlResult result = await Curl.RunAsync("-sS", "-0", "-i", server.Url("/"));

        result.ExitCode.Should().Be(0, result.ToString());
        result.Text.Should().StartWith("HTTP/1.1 200 OK\r\n").And.Contain("Connection: close\r\n").And.EndWith("Hello, World!");
    }

    [Fact]
    public async Task Expect_100_continue_is_answered_before_the_body_is_sent()
    {
        CurlResult result = await Curl.RunAsync("-sS", "-v", "-H", "Expect: 100-continue", "--data-binary", "ping", server.Url("/"));

        result.ExitCode.Should().Be(0, result.ToString());
        result.Error.Should().Contain("< HTTP/1.1 100 Continue");
        result.Text.Should().Be("ping");
    }

    [Fact]
    public async Task Unknown_paths_and_methods_get_404_and_405_with_Allow()
    {
        CurlResult missing = await Curl.RunAsync("-sS", "-i", server.Url("/missing"));
        CurlResult delete = await Curl.RunAsync("-sS", "-i", "-X", "DELETE", server.Url("/json"));

        missing.Text.Should().StartWith("HTTP/1.1 404 Not Found\r\n", missing.ToString());
        delete.Text.Should().StartWith("HTTP/1.1 405 Method Not Allowed\r\n").And.Contain("Allow: GET, HEAD, OPTIONS\r\n");
    }

    [Fact]
    public async Task Sigterm_stops_the_server_with_exit_code_0()
    {
        using SampleProcess process = SampleProcess.Start(SampleApp.HttpServer, ["--host", "127.0.0.1", "--port", "0"]);
        IPEndPoint endPoint = process.WaitForListening();
        (await Curl.RunAsync("-sS", $"http://{endPoint}/")).Text.Should().Be("Hello, World!");

        process.SendSignal(Posix.SIGTERM);

        process.WaitForExit().Should().Be(0, process.Describe());
        process.StandardOutputLines.Should().Equal($"listening on {endPoint}");
    }
}
