namespace ReactorNet;

/// <summary>
/// A handle to one file descriptor registered with a <see cref="Reactor"/>. It names the
/// registration by a token (table slot + generation), not by the descriptor number: once
/// unregistered, the handle and any event still in flight for it are dead, even if the kernel
/// hands the same descriptor number to somebody else.
/// </summary>
public readonly struct Registration : IEquatable<Registration>
{
    internal Registration(Reactor reactor, ulong token, int fd)
    {
        Reactor = reactor;
        Token = token;
        Fd = fd;
    }

    /// <summary>The reactor this registration belongs to; <see langword="null"/> for <c>default</c>.</summary>
    public Reactor? Reactor { get; }

    /// <summary>The token carried in <c>epoll_data</c>: generation in the high 32 bits, slot in the low 32.</summary>
    public ulong Token { get; }

    /// <summary>The registered file descriptor.</summary>
    public int Fd { get; }

    /// <summary>Whether the registration is still live in its reactor.</summary>
    public bool IsActive => Reactor?.IsRegistered(this) ?? false;

    /// <summary>Changes the interest; see <see cref="Reactor.Modify"/>.</summary>
    /// <param name="interest">The new interest.</param>
    public void Modify(Interest interest) => Owner.Modify(this, interest);

    /// <summary>Removes the registration; see <see cref="Reactor.Unregister"/>.</summary>
    /// <returns>Whether it was live.</returns>
    public bool Unregister() => Owner.Unregister(this);

    private Reactor Owner => Reactor ?? throw new InvalidOperationException("This registration is default: it belongs to no reactor.");

    /// <inheritdoc />
    public bool Equals(Registration other) => ReferenceEquals(Reactor, other.Reactor) && Token == other.Token;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Registration other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Token.GetHashCode();

    /// <summary>Compares two registrations.</summary>
    /// <param name="left">One registration.</param>
    /// <param name="right">The other.</param>
    public static bool operator ==(Registration left, Registration right) => left.Equals(right);

    /// <summary>Compares two registrations.</summary>
    /// <param name="left">One registration.</param>
    /// <param name="right">The other.</param>
    public static bool operator !=(Registration left, Registration right) => !left.Equals(right);

    /// <inheritdoc />
    public override string ToString() => $"fd {Fd} (slot {(uint)Token}, generation {Token >> 32})";
}
