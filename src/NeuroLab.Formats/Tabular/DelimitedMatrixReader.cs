namespace NeuroLab.Formats.Tabular;

/// <summary>
/// Reads numeric matrices from delimited text: <c>.csv</c> (comma), <c>.tsv</c> (tab), whitespace-separated
/// <c>.1D</c> (AFNI) and <c>.txt</c> files, optionally gzip-compressed (detected by magic bytes). Returns a
/// float64 [rows, columns] array in C order plus the column names of an optional header row (see
/// <see cref="HeaderRow"/>). Lines whose first non-blank character is <c>#</c> are comments, and text
/// after a <c>#</c> on a data line is ignored (AFNI and NumPy <c>loadtxt</c> conventions); blank lines
/// are skipped. Numbers use '.' as decimal point, in any culture. Every data row must have the same
/// number of fields. NaN/Inf and missing values are rejected unless
/// <see cref="DelimitedMatrixOptions.AllowNonFinite"/>. The values read agree with
/// <c>numpy.loadtxt</c> on the same file (both round decimal text correctly to float64).
/// </summary>
public static class DelimitedMatrixReader
{
    private enum SeparatorRule
    {
        Fixed,
        SniffCsv,
        SniffAny,
    }

    /// <summary>Reads the matrix at <paramref name="path"/>.</summary>
    /// <exception cref="FormatReadException">Not a numeric table; the message names line and column.</exception>
    public static DelimitedMatrix Read(string path, DelimitedMatrixOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return Read(stream, Path.GetFileName(path), options);
    }

    /// <summary>
    /// Reads a matrix from <paramref name="stream"/> (read to its end, left open). <paramref name="fileName"/> names the
    /// file in messages and chooses the separator when <see cref="DelimitedMatrixOptions.Separator"/> is Auto.
    /// </summary>
    /// <exception cref="FormatReadException">Not a numeric table; the message names line and column.</exception>
    public static DelimitedMatrix Read(Stream stream, string fileName, DelimitedMatrixOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(fileName);
        options ??= DelimitedMatrixOptions.Default;
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxLineChars, 1, nameof(options));
        ArgumentNullException.ThrowIfNull(options.Limits, nameof(options));

        var (rule, separator) = options.Separator == FieldSeparator.Auto ? RuleFromName(fileName) : (SeparatorRule.Fixed, options.Separator);
        using var lines = TextLineReader.Open(stream, fileName, options.MaxLineChars, leaveOpen: true);
        var fields = new List<Range>();
        var values = new DoubleChunks();
        List<string>? hashNames = null;
        List<string>? names = null;
        long headerLineNumber = 0;
        long firstDataLine = 0;
        int columns = -1;
        long rows = 0;
        bool seenContent = false;
        bool decidedHeader = options.Header == HeaderRow.None;

        while (lines.ReadLine() is { } line)
        {
            var trimmed = line.AsSpan().Trim();
            if (trimmed.IsEmpty)
            {
                continue;
            }
            bool firstContent = !seenContent;
            seenContent = true;
            if (trimmed[0] == '#')
            {
                if (firstContent && options.Header == HeaderRow.Auto)
                {
                    hashNames = HashHeader(line, rule == SeparatorRule.Fixed ? separator : Sniff(line, rule), fields);
                }
                continue;
            }
            if (rule != SeparatorRule.Fixed)
            {
                separator = Sniff(line, rule);
                rule = SeparatorRule.Fixed;
            }
            if (!decidedHeader)
            {
                decidedHeader = true;
                // Numbers followed by a '#' comment are data; a header keeps any '#' in its names.
                var stripped = StripComment(line);
                Split(stripped, separator, fields, lines.LineNumber, fileName);
                if (options.Header == HeaderRow.FirstRow || !AllNumeric(stripped, fields))
                {
                    Split(line, separator, fields, lines.LineNumber, fileName);
                    names = [.. fields.Select(f => Unquote(line.AsSpan(f)))];
                    headerLineNumber = lines.LineNumber;
                    continue;
                }
            }

            var data = StripComment(line);
            Split(data, separator, fields, lines.LineNumber, fileName);
            if (fields.Count == 0)
            {
                continue;
            }
            if (columns < 0)
            {
                columns = fields.Count;
                firstDataLine = lines.LineNumber;
                if (names is not null && names.Count != columns)
                {
                    throw new FormatReadException(fileName, $"line {lines.LineNumber} has {columns} fields but the header on line {headerLineNumber} names {names.Count} columns.{SeparatorHint(separator)}");
                }
                if (names is null && hashNames is not null && hashNames.Count == columns)
                {
                    names = hashNames;
                }
            }
            else if (fields.Count != columns)
            {
                throw new FormatReadException(fileName, $"line {lines.LineNumber} has {fields.Count} fields but line {firstDataLine} has {columns}; every row must have the same number of fields.{SeparatorHint(separator)}");
            }
            options.Limits.Check(fileName, [rows + 1, columns], NumericType.Float64, "matrix");
            for (int c = 0; c < fields.Count; c++)
            {
                values.Add(ParseValue(data.AsSpan(fields[c]), lines.LineNumber, c, names, options.AllowNonFinite, fileName));
            }
            rows++;
        }

        if (rows == 0)
        {
            throw new FormatReadException(fileName, !seenContent
                ? "empty file: no numbers to read."
                : names is not null ? $"no data rows: the file has a header (line {headerLineNumber}) but no numbers after it." : "no data rows: the file has only comments.");
        }
        var array = new NumericArray(NumericType.Float64, [rows, columns], values.ToArray(), ArrayOrder.C);
        return new DelimitedMatrix(array, names, separator);
    }

    private static (SeparatorRule Rule, FieldSeparator Separator) RuleFromName(string fileName)
    {
        var name = fileName.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? fileName[..^3] : fileName;
        return Path.GetExtension(name).ToLowerInvariant() switch
        {
            ".csv" => (SeparatorRule.SniffCsv, FieldSeparator.Comma),
            ".tsv" or ".tab" => (SeparatorRule.Fixed, FieldSeparator.Tab),
            ".1d" => (SeparatorRule.Fixed, FieldSeparator.Whitespace),
            _ => (SeparatorRule.SniffAny, FieldSeparator.Whitespace),
        };
    }

    private static FieldSeparator Sniff(string line, SeparatorRule rule)
    {
        bool comma = line.Contains(',');
        bool semicolon = line.Contains(';');
        return rule switch
        {
            SeparatorRule.SniffCsv => semicolon && !comma ? FieldSeparator.Semicolon : FieldSeparator.Comma,
            _ => comma ? FieldSeparator.Comma : semicolon ? FieldSeparator.Semicolon : FieldSeparator.Whitespace,
        };
    }

    /// <summary>Column names from a first line like "#1\t#2\t#3", or null when it is an ordinary comment.</summary>
    private static List<string>? HashHeader(string line, FieldSeparator separator, List<Range> fields)
    {
        try
        {
            Split(line, separator, fields, 0, "");
        }
        catch (FormatReadException)
        {
            return null;
        }
        var names = new List<string>(fields.Count);
        foreach (var f in fields)
        {
            var token = line.AsSpan(f).Trim();
            if (token.Length < 2 || token[0] != '#')
            {
                return null;
            }
            names.Add(token[1..].Trim().ToString());
        }
        return names.Count > 0 ? names : null;
    }

    private static bool AllNumeric(string line, List<Range> fields)
    {
        foreach (var f in fields)
        {
            var text = UnquoteSpan(line.AsSpan(f));
            if (!NumberText.IsMissing(text) && !NumberText.TryParse(text, out _))
            {
                return false;
            }
        }
        return true;
    }

    private static string StripComment(string line)
    {
        int hash = line.IndexOf('#');
        return hash < 0 ? line : line[..hash];
    }

    /// <summary>Splits <paramref name="line"/> into field ranges (quotes kept; see <see cref="Unquote"/>).</summary>
    private static void Split(string line, FieldSeparator separator, List<Range> fields, long lineNumber, string fileName)
    {
        fields.Clear();
        if (separator == FieldSeparator.Whitespace)
        {
            int i = 0;
            while (i < line.Length)
            {
                while (i < line.Length && char.IsWhiteSpace(line[i]))
                {
                    i++;
                }
                int start = i;
                while (i < line.Length && !char.IsWhiteSpace(line[i]))
                {
                    i++;
                }
                if (i > start)
                {
                    fields.Add(start..i);
                }
            }
            return;
        }
        char sep = separator switch
        {
            FieldSeparator.Comma => ',',
            FieldSeparator.Tab => '\t',
            FieldSeparator.Semicolon => ';',
            _ => throw new ArgumentOutOfRangeException(nameof(separator)),
        };
        int pos = 0;
        while (true)
        {
            int start = pos;
            int scan = pos;
            while (scan < line.Length && line[scan] == ' ')
            {
                scan++;
            }
            if (scan < line.Length && line[scan] == '"')
            {
                scan++;
                while (true)
                {
                    int quote = line.IndexOf('"', scan);
                    if (quote < 0)
                    {
                        throw new FormatReadException(fileName, $"line {lineNumber}, column {fields.Count + 1}: a quoted field is not closed on the same line (fields spanning lines are not supported).");
                    }
                    if (quote + 1 < line.Length && line[quote + 1] == '"')
                    {
                        scan = quote + 2;
                        continue;
                    }
                    scan = quote + 1;
                    break;
                }
            }
            int end = line.IndexOf(sep, scan);
            if (end < 0)
            {
                fields.Add(start..line.Length);
                return;
            }
            fields.Add(start..end);
            pos = end + 1;
        }
    }

    private static ReadOnlySpan<char> UnquoteSpan(ReadOnlySpan<char> field)
    {
        var t = field.Trim();
        return t.Length >= 2 && t[0] == '"' && t[^1] == '"' ? t[1..^1] : t;
    }

    private static string Unquote(ReadOnlySpan<char> field)
    {
        var t = field.Trim();
        return t.Length >= 2 && t[0] == '"' && t[^1] == '"' ? t[1..^1].ToString().Replace("\"\"", "\"", StringComparison.Ordinal) : t.ToString();
    }

    private static double ParseValue(ReadOnlySpan<char> field, long lineNumber, int column, List<string>? names, bool allowNonFinite, string fileName)
    {
        var text = UnquoteSpan(field);
        if (NumberText.TryParse(text, out double value))
        {
            if (double.IsFinite(value) || allowNonFinite)
            {
                return value;
            }
            throw new FormatReadException(fileName, $"{Where(lineNumber, column, names)}: {NumberText.Quote(text)} is not finite. NaN and Inf are rejected by default because they silently poison fits; set AllowNonFinite to read them.");
        }
        if (NumberText.IsMissing(text))
        {
            if (allowNonFinite)
            {
                return double.NaN;
            }
            var shown = text.IsEmpty ? "the field is empty" : $"{NumberText.Quote(text)} marks a missing value";
            throw new FormatReadException(fileName, $"{Where(lineNumber, column, names)}: {shown}. Set AllowNonFinite to read missing values as NaN.");
        }
        var hint = text.Contains(',') ? " (a decimal comma? numbers must use '.')" : "";
        throw new FormatReadException(fileName, $"{Where(lineNumber, column, names)}: {NumberText.Quote(text)} is not a number{hint}.");
    }

    private static string Where(long lineNumber, int column, List<string>? names)
        => names is not null && column < names.Count ? $"line {lineNumber}, column {column + 1} ('{names[column]}')" : $"line {lineNumber}, column {column + 1}";

    private static string SeparatorHint(FieldSeparator separator) => $" (fields split on {separator switch
    {
        FieldSeparator.Comma => "commas",
        FieldSeparator.Tab => "tabs",
        FieldSeparator.Semicolon => "semicolons",
        _ => "whitespace",
    }}; set Separator if that is wrong)";

    /// <summary>Values stored in fixed-size blocks, so growth never copies or over-allocates by doubling.</summary>
    private sealed class DoubleChunks
    {
        private const int ChunkSize = 1 << 16;

        private readonly List<double[]> _chunks = [];
        private int _used = ChunkSize;
        private long _count;

        public void Add(double value)
        {
            if (_used == ChunkSize)
            {
                _chunks.Add(new double[ChunkSize]);
                _used = 0;
            }
            _chunks[^1][_used++] = value;
            _count++;
        }

        public double[] ToArray()
        {
            var result = new double[_count];
            long offset = 0;
            foreach (var chunk in _chunks)
            {
                int n = (int)Math.Min(ChunkSize, _count - offset);
                Array.Copy(chunk, 0, result, offset, n);
                offset += n;
            }
            return result;
        }
    }
}
