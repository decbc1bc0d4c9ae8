using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

// KestrelPlaintext [--host 127.0.0.1] [--port 8080]: answers every request with 200 text/plain
// "Hello, World!" (HttpServer's /plaintext body, type and length) from a raw app.Run middleware:
// no routing, no logging. Prints "listening on HOST:PORT" once it accepts, so scripts can pass --port 0.
var host = IPAddress.Loopback;
int port = 8080;
try
{
    for (int i = 0; i < args.Length; i++)
    {
        string value = i + 1 < args.Length ? args[i + 1] : throw new FormatException($"{args[i]} needs a value");
        switch (args[i])
        {
            case "--host": host = IPAddress.Parse(value); i++; break;
            case "--port": port = int.Parse(value, CultureInfo.InvariantCulture); i++; break;
            default: throw new FormatException($"unknown option {args[i]}");
        }
    }
}
catch (Exception ex) when (ex is FormatException or OverflowException)
{
    Console.Error.WriteLine($"KestrelPlaintext: {ex.Message}\nusage: KestrelPlaintext [--host 127.0.0.1] [--port 8080]");
    return 2;
}

// The command line is ours: the builder gets none of it (its configuration would read --port too).
WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(host, port));
WebApplication app = builder.Build();

byte[] body = "Hello, World!"u8.ToArray();
app.Run(context =>
{
    HttpResponse response = context.Response;
    response.StatusCode = StatusCodes.Status200OK;
    response.ContentType = "text/plain";
    response.ContentLength = body.Length;
    return response.Body.WriteAsync(body, 0, body.Length);
});

await app.StartAsync();
string address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
Console.WriteLine($"listening on {host}:{new Uri(address).Port}");
await app.WaitForShutdownAsync();
return 0;
