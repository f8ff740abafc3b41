namespace NeuroLab.Formats.Tabular;

/// <summary>A table of text with a header row (e.g. stimulus ids with labels and captions).</summary>
public sealed class TextTable(IReadOnlyList<string> columns, IReadOnlyList<IReadOnlyList<string?>> rows)
{
    public IReadOnlyList<string> Columns { get; } = columns;

    /// <summary>Rows in file order; empty cells and "n/a" are null.</summary>
    public IReadOnlyList<IReadOnlyList<string?>> Rows { get; } = rows;

    /// <summary>Index of the first column whose name (case-insensitive) is one of <paramref name="names"/>, or -1.</summary>
    public int ColumnIndex(params string[] names)
    {
        for (int i = 0; i < Columns.Count; i++)
        {
            if (names.Contains(Columns[i], StringComparer.OrdinalIgnoreCase))
            {
                return i;
            }
        }
        return -1;
    }
}

/// <summary>
/// Reads tab- or comma-separated text tables with a header row. Commas follow RFC 4180 quoting (captions
/// contain commas); tabs are taken literally (BIDS style). The separator is the one in the header line: tab
/// when present, else comma. Every row must have as many fields as the header; the error names the line.
/// </summary>
public static class TextTableReader
{
    /// <summary>Most rows read (a stimulus table is at most a few hundred thousand rows).</summary>
    public const int MaxRows = 2_000_000;

    public static TextTable Read(string path)
    {
        using var stream = File.OpenRead(path);
        return Read(stream, Path.GetFileName(path));
    }

    public static TextTable Read(Stream stream, string fileName)
    {
        using var reader = TextLineReader.Open(stream, fileName, 1 << 20, leaveOpen: true);
        string? header;
        do
        {
            header = reader.ReadLine();
        }
        while (header is not null && header.Trim().Length == 0);
        if (header is null)
        {
            throw new FormatReadException(fileName, "the table is empty; it needs a header row.");
        }
        char separator = header.Contains('\t') ? '\t' : ',';
        var columns = Split(header, separator, fileName, reader.LineNumber).Select(c => (c ?? string.Empty).Trim()).ToList();
        if (columns.Count < 1 || columns.All(c => c.Length == 0))
        {
            throw new FormatReadException(fileName, "the header row has no column names.");
        }
        var rows = new List<IReadOnlyList<string?>>();
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            if (line.Trim().Length == 0)
            {
                continue;
            }
            var fields = Split(line, separator, fileName, reader.LineNumber);
            if (fields.Count != columns.Count)
            {
                throw new FormatReadException(fileName, $"line {reader.LineNumber} has {fields.Count} fields, the header has {columns.Count}.");
            }
            if (rows.Count >= MaxRows)
            {
                throw new FormatReadException(fileName, $"more than {MaxRows:N0} rows.");
            }
            rows.Add(fields);
        }
        return new TextTable(columns, rows);
    }

    private static List<string?> Split(string line, char separator, string fileName, long lineNumber)
    {
        var fields = new List<string?>();
        if (separator == '\t')
        {
            fields.AddRange(line.Split('\t').Select(Clean));
            return fields;
        }
        var current = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    current.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c == '"' && current.Length == 0)
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(Clean(current.ToString()));
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }
        if (quoted)
        {
            throw new FormatReadException(fileName, $"line {lineNumber} has an unclosed quote.");
        }
        fields.Add(Clean(current.ToString()));
        return fields;
    }

    private static string? Clean(string field)
    {
        var trimmed = field.Trim();
        return trimmed.Length == 0 || trimmed.Equals("n/a", StringComparison.OrdinalIgnoreCase) ? null : trimmed;
    }
}
