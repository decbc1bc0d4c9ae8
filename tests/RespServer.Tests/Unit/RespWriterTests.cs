using System.Buffers;
using System.Text;
using ReactorNet.Samples.Resp.Protocol;

namespace ReactorNet.Samples.Resp.Tests.Unit;

public sealed class RespWriterTests
{
    [Fact]
    public void Writes_every_reply_type_and_counts_the_bytes()
    {
        var output = new ArrayBufferWriter<byte>(1); // tiny: every write must ask for its own space
        var writer = new RespWriter(output);

        writer.Ok();
        writer.SimpleString("PONG"u8);
        writer.Error("ERR bad\r\nthing");
        writer.Integer(long.MinValue);
        writer.Integer(0);
        writer.Bulk("a\r\nb"u8);
        writer.Bulk("");
        writer.Null();
        writer.NullArray();
        writer.ArrayHeader(2);
        writer.BulkInteger(-42);
        writer.Flush();

        string text = Encoding.Latin1.GetString(output.WrittenSpan);
        text.Should().Be("+OK\r\n+PONG\r\n-ERR bad  thing\r\n:-9223372036854775808\r\n:0\r\n$4\r\na\r\nb\r\n$0\r\n\r\n$-1\r\n*-1\r\n*2\r\n$3\r\n-42\r\n");
    }

    [Fact]
    public void An_error_built_from_client_bytes_returns_those_bytes()
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new RespWriter(output);
        writer.Error(Commands.Errors.Text([0xE9, 0xFF]));
        writer.Flush();

        output.WrittenSpan.ToArray().Should().Equal((byte)'-', 0xE9, 0xFF, (byte)'\r', (byte)'\n');
    }
}
