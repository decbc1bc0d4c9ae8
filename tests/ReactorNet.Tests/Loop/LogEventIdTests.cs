using System.Reflection;
using Microsoft.Extensions.Logging;

namespace ReactorNet.Tests.Loop;

/// <summary>
/// Every message of the library logs under the reactor's one category, so an event id names one
/// message only: a filter or an alert on an id must not catch another message too.
/// </summary>
public sealed class LogEventIdTests
{
    [Fact]
    public void Every_log_message_of_the_library_has_its_own_event_id()
    {
        var messages = typeof(Reactor).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(m => (Method: $"{m.DeclaringType!.FullName}.{m.Name}", Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(m => m.Attribute is not null)
            .ToList();

        messages.Should().HaveCountGreaterThan(10, "the library's messages are found");
        messages.GroupBy(m => m.Attribute!.EventId).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => m.Method))}")
            .Should().BeEmpty();
    }
}
