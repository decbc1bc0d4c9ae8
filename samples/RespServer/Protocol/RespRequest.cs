namespace ReactorNet.Samples.Resp.Protocol;

/// <summary>The arguments of one parsed request: views into the input, valid until the parser's next call.</summary>
public readonly ref struct RespRequest
{
    private readonly ReadOnlySpan<byte> _input;
    private readonly RespParser _parser;

    public RespRequest(RespParser parser, ReadOnlySpan<byte> input)
    {
        _parser = parser;
        _input = input;
    }

    public int Count => _parser.ArgumentCount;

    public ReadOnlySpan<byte> this[int index] => _parser.Argument(_input, index);
}
