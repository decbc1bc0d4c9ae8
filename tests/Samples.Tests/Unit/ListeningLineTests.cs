using System.Net;
using ReactorNet.Samples.Common;

namespace ReactorNet.Samples.Tests.Unit;

public sealed class ListeningLineTests
{
    [Fact]
    public void The_line_names_the_bound_endpoint_and_parses_back()
    {
        var endPoint = new IPEndPoint(IPAddress.Loopback, 40123);
        var stdout = new StringWriter();

        ListeningLine.Write(endPoint, stdout);

        stdout.ToString().Should().Be("listening on 127.0.0.1:40123" + Environment.NewLine);
        ListeningLine.TryParse(stdout.ToString().TrimEnd(), out IPEndPoint? parsed).Should().BeTrue();
        parsed.Should().Be(endPoint);
    }

    [Fact]
    public void Ipv6_hosts_are_bracketed()
    {
        var endPoint = new IPEndPoint(IPAddress.IPv6Loopback, 3267);
        ListeningLine.Format(endPoint).Should().Be("listening on [::1]:3267");
        ListeningLine.TryParse("listening on [::1]:3267", out IPEndPoint? parsed).Should().BeTrue();
        parsed.Should().Be(endPoint);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("info: listening on 127.0.0.1:1")]
    [InlineData("listening on 127.0.0.1")]
    [InlineData("listening on 127.0.0.1:0")]
    [InlineData("listening on somewhere:80")]
    public void Anything_else_is_not_a_listening_line(string? line)
    {
        ListeningLine.TryParse(line, out _).Should().BeFalse();
    }
}
