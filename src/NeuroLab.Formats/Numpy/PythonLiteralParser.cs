using System.Globalization;
using System.Text;

namespace NeuroLab.Formats.Numpy;

/// <summary>
/// Parses the small subset of Python literal syntax that .npy headers use (dict, tuple, list, str, int,
/// True/False/None), without evaluating anything. NumPy itself uses <c>ast.literal_eval</c>; this is the
/// equivalent for the values a header can hold. Python 2 writers put an <c>L</c> after long integers
/// ("(3L, 4L)"); that suffix is accepted, as NumPy's <c>_filter_header</c> does for format 1.0/2.0.
/// </summary>
internal sealed class PythonLiteralParser
{
    // Nesting deeper than any real header; bounds recursion so "((((..." cannot overflow the stack.
    private const int MaxDepth = 16;

    private readonly string _text;
    private int _pos;

    private PythonLiteralParser(string text)
    {
        _text = text;
    }

    /// <summary>A Python tuple.</summary>
    internal sealed record PyTuple(IReadOnlyList<object?> Items);

    /// <summary>A Python list.</summary>
    internal sealed record PyList(IReadOnlyList<object?> Items);

    /// <summary>
    /// Parses one literal followed only by whitespace. Returns a <see cref="Dictionary{TKey, TValue}"/>
    /// (string keys, insertion order), <see cref="PyTuple"/>, <see cref="PyList"/>, <see cref="string"/>,
    /// <see cref="long"/>, <see cref="bool"/> or null.
    /// </summary>
    /// <exception cref="FormatException">The text is not such a literal; the message says where.</exception>
    public static object? Parse(string text)
    {
        var parser = new PythonLiteralParser(text);
        var value = parser.ParseValue(0);
        parser.SkipWhitespace();
        if (parser._pos != text.Length)
        {
            throw parser.Error("unexpected text after the header dictionary");
        }
        return value;
    }

    /// <summary>Python-style text of a parsed value, for error messages.</summary>
    public static string Repr(object? value) => value switch
    {
        null => "None",
        bool b => b ? "True" : "False",
        long l => l.ToString(CultureInfo.InvariantCulture),
        string s => "'" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'",
        PyTuple t => t.Items.Count == 1 ? "(" + Repr(t.Items[0]) + ",)" : "(" + string.Join(", ", t.Items.Select(Repr)) + ")",
        PyList l => "[" + string.Join(", ", l.Items.Select(Repr)) + "]",
        Dictionary<string, object?> d => "{" + string.Join(", ", d.Select(kv => Repr(kv.Key) + ": " + Repr(kv.Value))) + "}",
        _ => value.ToString() ?? "",
    };

    private object? ParseValue(int depth)
    {
        if (depth > MaxDepth)
        {
            throw Error("nesting is too deep");
        }
        SkipWhitespace();
        if (_pos >= _text.Length)
        {
            throw Error("the header ends where a value is expected");
        }
        char c = _text[_pos];
        switch (c)
        {
            case '{':
                return ParseDict(depth);
            case '(':
                return ParseSequence(depth, ')', isTuple: true);
            case '[':
                return ParseSequence(depth, ']', isTuple: false);
            case '\'':
            case '"':
                return ParseString();
        }
        if ((c is 'u' or 'U' or 'b' or 'B') && _pos + 1 < _text.Length && _text[_pos + 1] is '\'' or '"')
        {
            _pos++;
            return ParseString();
        }
        if (c is '-' or '+' || char.IsAsciiDigit(c))
        {
            return ParseInteger();
        }
        if (char.IsAsciiLetter(c) || c == '_')
        {
            int start = _pos;
            while (_pos < _text.Length && (char.IsAsciiLetterOrDigit(_text[_pos]) || _text[_pos] == '_'))
            {
                _pos++;
            }
            var word = _text[start.._pos];
            return word switch
            {
                "True" => true,
                "False" => false,
                "None" => null,
                _ => throw Error($"'{word}' is not a literal (the header is never evaluated)", start),
            };
        }
        throw Error($"unexpected character '{c}'");
    }

    private Dictionary<string, object?> ParseDict(int depth)
    {
        _pos++;
        var dict = new Dictionary<string, object?>(StringComparer.Ordinal);
        while (true)
        {
            SkipWhitespace();
            if (Peek() == '}')
            {
                _pos++;
                return dict;
            }
            int keyAt = _pos;
            var key = ParseValue(depth + 1) as string ?? throw Error("dictionary keys must be strings", keyAt);
            SkipWhitespace();
            Expect(':');
            // Python keeps the last value of a repeated key.
            dict[key] = ParseValue(depth + 1);
            SkipWhitespace();
            if (Peek() == ',')
            {
                _pos++;
            }
            else if (Peek() != '}')
            {
                throw Error("expected ',' or '}' in the dictionary");
            }
        }
    }

    private object? ParseSequence(int depth, char close, bool isTuple)
    {
        _pos++;
        var items = new List<object?>();
        bool sawComma = false;
        while (true)
        {
            SkipWhitespace();
            if (Peek() == close)
            {
                _pos++;
                break;
            }
            items.Add(ParseValue(depth + 1));
            SkipWhitespace();
            if (Peek() == ',')
            {
                sawComma = true;
                _pos++;
            }
            else if (Peek() != close)
            {
                throw Error($"expected ',' or '{close}'");
            }
        }
        if (!isTuple)
        {
            return new PyList(items);
        }
        // "(5)" is just a parenthesised 5 in Python, not a tuple.
        return items.Count == 1 && !sawComma ? items[0] : new PyTuple(items);
    }

    private string ParseString()
    {
        char quote = _text[_pos++];
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length)
            {
                throw Error("a string is not closed");
            }
            char c = _text[_pos++];
            if (c == quote)
            {
                return sb.ToString();
            }
            if (c == '\n')
            {
                throw Error("a string runs past the end of the line");
            }
            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }
            if (_pos >= _text.Length)
            {
                throw Error("a string ends with a backslash");
            }
            char e = _text[_pos++];
            switch (e)
            {
                case '\\':
                case '\'':
                case '"':
                    sb.Append(e);
                    break;
                case 'n':
                    sb.Append('\n');
                    break;
                case 't':
                    sb.Append('\t');
                    break;
                case 'r':
                    sb.Append('\r');
                    break;
                case '0':
                    sb.Append('\0');
                    break;
                case 'x':
                    sb.Append((char)ParseHex(2));
                    break;
                case 'u':
                    sb.Append((char)ParseHex(4));
                    break;
                default:
                    // Python keeps unknown escapes verbatim.
                    sb.Append('\\').Append(e);
                    break;
            }
        }
    }

    private int ParseHex(int digits)
    {
        if (_pos + digits > _text.Length
            || !int.TryParse(_text.AsSpan(_pos, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int value))
        {
            throw Error("a string has a malformed \\x or \\u escape");
        }
        _pos += digits;
        return value;
    }

    private long ParseInteger()
    {
        int start = _pos;
        if (_text[_pos] is '-' or '+')
        {
            _pos++;
        }
        int digitsStart = _pos;
        while (_pos < _text.Length && char.IsAsciiDigit(_text[_pos]))
        {
            _pos++;
        }
        if (_pos == digitsStart)
        {
            throw Error("a sign is not followed by digits", start);
        }
        if (_pos < _text.Length && (_text[_pos] == '.' || _text[_pos] == 'e' || _text[_pos] == 'E'))
        {
            throw Error("only integers are expected here, not floating-point numbers", start);
        }
        var digits = _text.AsSpan(start, _pos - start);
        if (_pos < _text.Length && _text[_pos] is 'L' or 'l')
        {
            _pos++;
        }
        if (!long.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value))
        {
            throw Error($"the integer {digits} is too large", start);
        }
        return value;
    }

    private void SkipWhitespace()
    {
        while (_pos < _text.Length && _text[_pos] is ' ' or '\t' or '\n' or '\r' or '\f' or '\v')
        {
            _pos++;
        }
    }

    private char Peek() => _pos < _text.Length ? _text[_pos] : '\0';

    private void Expect(char c)
    {
        if (Peek() != c)
        {
            throw Error($"expected '{c}'");
        }
        _pos++;
    }

    private FormatException Error(string what, int? at = null) =>
        new($"{what} at character {(at ?? _pos) + 1}");
}
