namespace ReactorNet.Samples.Resp.Commands;

/// <summary>Redis's command flags that matter here (and that COMMAND reports).</summary>
[Flags]
public enum CommandFlags
{
    None = 0,

    /// <summary>Modifies the keyspace.</summary>
    Write = 1,

    /// <summary>Only reads.</summary>
    ReadOnly = 2,

    /// <summary>May grow memory: refused with -OOM while used memory is above maxmemory.</summary>
    DenyOom = 4,

    /// <summary>O(1) or O(log n).</summary>
    Fast = 8,

    /// <summary>Administrative.</summary>
    Admin = 16,

    /// <summary>Allowed while the server loads (here: always).</summary>
    Loading = 32,

    /// <summary>Allowed on a stale replica (here: always).</summary>
    Stale = 64,
}
