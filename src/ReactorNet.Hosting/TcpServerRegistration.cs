namespace ReactorNet.Hosting;

/// <summary>One <c>AddReactorTcpServer</c> call: the server's name and how its handlers are made.</summary>
internal sealed record TcpServerRegistration(string Name, Func<IServiceProvider, ReactorNet.Tcp.IConnectionHandler> HandlerFactory);
