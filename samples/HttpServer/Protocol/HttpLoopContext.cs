namespace ReactorNet.Samples.Http.Protocol;

/// <summary>
/// What the sessions of one event loop share: the options, the cached <c>Date</c> and the JSON
/// writer. Used on that loop's thread only, so nothing here needs a lock.
/// </summary>
public sealed class HttpLoopContext(HttpServerOptions options, TimeProvider? time = null)
{
    /// <summary>The server's options.</summary>
    public HttpServerOptions Options { get; } = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>The loop's <c>Date</c> value, refreshed by its timer.</summary>
    public HttpDate Date { get; } = new(time);

    /// <summary>The <c>/json</c> serialiser.</summary>
    public JsonMessageWriter Json { get; } = new();
}
