namespace ReactorNet.Samples.Resp.Storage;

/// <summary>
/// Redis's <c>stringmatchlen</c> (KEYS, CONFIG GET): <c>*</c>, <c>?</c>, <c>[abc]</c>, <c>[^a-z]</c>,
/// <c>\x</c>. A port of the C function, including its guard against exponential backtracking: once
/// a <c>*</c> has tried every suffix, longer attempts are skipped.
/// </summary>
public static class GlobPattern
{
    private const int MaxNesting = 1000;

    public static bool IsMatch(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> text, bool ignoreCase = false)
    {
        bool skipLongerMatches = false;
        return Match(pattern, text, ignoreCase, ref skipLongerMatches, 0);
    }

    private static bool Match(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> text, bool ignoreCase, ref bool skipLongerMatches, int nesting)
    {
        if (nesting > MaxNesting)
        {
            return false;
        }
        int p = 0;
        int s = 0;
        // The C code reads the terminating NUL past the end; At() stands in for it.
        byte At(ReadOnlySpan<byte> span, int i) => i < span.Length ? span[i] : (byte)0;

        while (p < pattern.Length && s < text.Length)
        {
            switch (pattern[p])
            {
                case (byte)'*':
                    while (p + 1 < pattern.Length && pattern[p + 1] == (byte)'*')
                    {
                        p++;
                    }
                    if (p == pattern.Length - 1)
                    {
                        return true;
                    }
                    while (s < text.Length)
                    {
                        if (Match(pattern[(p + 1)..], text[s..], ignoreCase, ref skipLongerMatches, nesting + 1))
                        {
                            return true;
                        }
                        if (skipLongerMatches)
                        {
                            return false;
                        }
                        s++;
                    }
                    skipLongerMatches = true;
                    return false;
                case (byte)'?':
                    s++;
                    break;
                case (byte)'[':
                {
                    p++;
                    bool not = At(pattern, p) == (byte)'^';
                    if (not)
                    {
                        p++;
                    }
                    bool match = false;
                    while (true)
                    {
                        if (At(pattern, p) == (byte)'\\' && pattern.Length - p >= 2)
                        {
                            p++;
                            if (Same(pattern[p], text[s], ignoreCase))
                            {
                                match = true;
                            }
                        }
                        else if (At(pattern, p) == (byte)']')
                        {
                            break;
                        }
                        else if (p >= pattern.Length)
                        {
                            p--;
                            break;
                        }
                        else if (pattern.Length - p >= 3 && pattern[p + 1] == (byte)'-')
                        {
                            int start = pattern[p];
                            int end = pattern[p + 2];
                            int c = text[s];
                            if (start > end)
                            {
                                (start, end) = (end, start);
                            }
                            if (ignoreCase)
                            {
                                start = ToLower(start);
                                end = ToLower(end);
                                c = ToLower(c);
                            }
                            p += 2;
                            if (c >= start && c <= end)
                            {
                                match = true;
                            }
                        }
                        else if (Same(pattern[p], text[s], ignoreCase))
                        {
                            match = true;
                        }
                        p++;
                    }
                    if (not)
                    {
                        match = !match;
                    }
                    if (!match)
                    {
                        return false;
                    }
                    s++;
                    break;
                }
                case (byte)'\\':
                    if (pattern.Length - p >= 2)
                    {
                        p++;
                    }
                    if (!Same(pattern[p], text[s], ignoreCase))
                    {
                        return false;
                    }
                    s++;
                    break;
                default:
                    if (!Same(pattern[p], text[s], ignoreCase))
                    {
                        return false;
                    }
                    s++;
                    break;
            }
            p++;
            if (s == text.Length)
            {
                while (At(pattern, p) == (byte)'*')
                {
                    p++;
                }
                break;
            }
        }
        return p >= pattern.Length && s == text.Length;
    }

    private static bool Same(byte a, byte b, bool ignoreCase) => a == b || (ignoreCase && ToLower(a) == ToLower(b));

    private static int ToLower(int c) => c is >= 'A' and <= 'Z' ? c | 0x20 : c;
}
