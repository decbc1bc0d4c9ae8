using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ReactorNet.Tcp;

namespace ReactorNet.Hosting;

/// <summary>Registers ReactorNet loops and TCP servers with a host's services.</summary>
public static class ReactorServiceCollectionExtensions
{
    /// <summary>The configuration section everything is read from: <c>ReactorNet:Loops</c> and <c>ReactorNet:Servers:NAME</c>.</summary>
    public const string ConfigurationSection = "ReactorNet";

    /// <summary>
    /// Registers the loop group (a singleton <see cref="ReactorGroup"/>, logging and measuring
    /// through the container's <see cref="ILoggerFactory"/> and <see cref="IMeterFactory"/>), the
    /// <see cref="ReactorServers"/> registry and the hosted service that starts and stops them with
    /// the host. Settings come from <c>ReactorNet:Loops</c> of the container's
    /// <see cref="IConfiguration"/>, then from <paramref name="configure"/>. Calling it again adds
    /// nothing but the delegate.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configure">Changes the settings after configuration is applied.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddReactorNet(this IServiceCollection services, Action<ReactorGroupOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (!services.Any(d => d.ServiceType == typeof(ReactorServers)))
        {
            services.AddOptions<ReactorGroupOptions>()
                .Configure<IServiceProvider>(static (options, provider) => Bind(provider, $"{ConfigurationSection}:Loops", options));
            services.TryAddSingleton(static provider => CreateGroup(provider));
            services.AddSingleton(static _ => new ReactorServers());
            services.AddHostedService<ReactorHostedService>();
        }
        if (configure is not null)
        {
            services.Configure(configure);
        }
        return services;
    }

    /// <summary>
    /// Registers a TCP server named <paramref name="name"/> whose connections are served by
    /// <typeparamref name="THandler"/>: resolved from the container for each connection if it is
    /// registered there (its lifetime decides: a singleton serves every connection), otherwise
    /// created per connection with its constructor's arguments from the container. Handlers are
    /// made on the connection's loop thread, from the root provider (no scope).
    /// </summary>
    /// <typeparam name="THandler">The protocol.</typeparam>
    /// <param name="services">The host's services.</param>
    /// <param name="name">The server's name: its configuration section is <c>ReactorNet:Servers:NAME</c>.</param>
    /// <param name="configure">Changes the settings after configuration is applied.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddReactorTcpServer<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(
        this IServiceCollection services, string name, Action<HostedTcpServerOptions>? configure = null)
        where THandler : class, IConnectionHandler
    {
        ObjectFactory<THandler> create = ActivatorUtilities.CreateFactory<THandler>(Type.EmptyTypes);
        return services.AddReactorTcpServer(name, provider => provider.GetService<THandler>() ?? create(provider, null), configure);
    }

    /// <summary>
    /// Registers a TCP server named <paramref name="name"/> whose connections get the handler
    /// <paramref name="handlerFactory"/> returns (called once per connection, on its loop thread,
    /// with the root provider; return a shared instance if the handler keeps no state).
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="name">The server's name: its configuration section is <c>ReactorNet:Servers:NAME</c>.</param>
    /// <param name="handlerFactory">Makes the handler of a new connection.</param>
    /// <param name="configure">Changes the settings after configuration is applied.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="InvalidOperationException">A server of that name is already registered.</exception>
    public static IServiceCollection AddReactorTcpServer(
        this IServiceCollection services, string name, Func<IServiceProvider, IConnectionHandler> handlerFactory, Action<HostedTcpServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(handlerFactory);
        if (services.Any(d => d.ServiceType == typeof(TcpServerRegistration) && d.ImplementationInstance is TcpServerRegistration r && r.Name == name))
        {
            throw new InvalidOperationException($"A ReactorNet server named '{name}' is already registered.");
        }
        services.AddReactorNet();
        services.AddSingleton(new TcpServerRegistration(name, handlerFactory));
        OptionsBuilder<HostedTcpServerOptions> options = services.AddOptions<HostedTcpServerOptions>(name)
            .Configure<IServiceProvider>((o, provider) => Bind(provider, $"{ConfigurationSection}:Servers:{name}", o));
        if (configure is not null)
        {
            options.Configure(configure);
        }
        return services;
    }

    private static ReactorGroup CreateGroup(IServiceProvider provider)
    {
        ReactorGroupOptions options = provider.GetRequiredService<IOptions<ReactorGroupOptions>>().Value;
        return new ReactorGroup(options.LoopCount, options.ToReactorOptions(provider.GetService<ILoggerFactory>(), provider.GetService<IMeterFactory>()));
    }

    private static void Bind(IServiceProvider provider, string section, object options)
    {
        // The container's configuration if there is one (every host builder registers it); a bare
        // ServiceCollection without it gets the defaults and the configure delegates.
        if (provider.GetService<IConfiguration>() is not IConfiguration configuration)
        {
            return;
        }
        switch (options)
        {
            case ReactorGroupOptions group:
                configuration.GetSection(section).Bind(group);
                break;
            case HostedTcpServerOptions server:
                configuration.GetSection(section).Bind(server);
                break;
        }
    }
}
