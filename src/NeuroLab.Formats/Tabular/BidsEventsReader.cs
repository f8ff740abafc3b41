namespace NeuroLab.Formats.Tabular;

/// <summary>
/// Reads BIDS events files (<c>*_events.tsv</c>, optionally gzip-compressed): tab-separated text, UTF-8,
/// a required header row naming the columns, then one event per line. Required columns <c>onset</c>
/// (seconds, may be negative) and <c>duration</c> (seconds, &gt;= 0 or "n/a"), in any order; optional
/// <c>trial_type</c>, <c>response_time</c> (seconds or "n/a") and <c>stim_file</c>; any other column is
/// kept as text. "n/a" marks a missing value; empty cells are read as missing too, since pandas writes NaN
/// that way. Values are not unquoted (BIDS TSV has no quoting). Blank lines are skipped. Reference: BIDS
/// specification, "Task events" and "Tabular files"
/// (https://bids-specification.readthedocs.io/en/stable/common-principles.html#tabular-files).
/// </summary>
public static class BidsEventsReader
{
    /// <summary>Longest line accepted; events lines are short, so a longer one means a wrong file.</summary>
    public const int MaxLineChars = 1 << 20;

    // Rough in-memory cost per cell (string header, dictionary entry) for the decoded-size limit.
    private const long BytesPerCell = 64;

    private static readonly HashSet<string> _typedColumns = new(StringComparer.Ordinal) { "onset", "duration", "trial_type" };

    /// <summary>Reads the events file at <paramref name="path"/>.</summary>
    /// <exception cref="FormatReadException">The file is not a valid events table; the message names line and column.</exception>
    public static EventsTable Read(string path, ReadLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return Read(stream, Path.GetFileName(path), limits);
    }

    /// <summary>Reads an events table from <paramref name="stream"/> (read to its end, left open); <paramref name="fileName"/> is used in messages.</summary>
    /// <exception cref="FormatReadException">The data is not a valid events table; the message names line and column.</exception>
    public static EventsTable Read(Stream stream, string fileName, ReadLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(fileName);
        limits ??= ReadLimits.Default;
        using var lines = TextLineReader.Open(stream, fileName, MaxLineChars, leaveOpen: true);
        string? headerLine;
        do
        {
            headerLine = lines.ReadLine();
        }
        while (headerLine is not null && string.IsNullOrWhiteSpace(headerLine));
        if (headerLine is null)
        {
            throw new FormatReadException(fileName, "empty file: a BIDS events file needs a header row naming at least the onset and duration columns.");
        }
        var header = ParseHeader(headerLine, (int)lines.LineNumber, fileName);
        int onsetColumn = header.IndexOf("onset");
        int durationColumn = header.IndexOf("duration");
        int trialTypeColumn = header.IndexOf("trial_type");
        int responseTimeColumn = header.IndexOf("response_time");
        int stimFileColumn = header.IndexOf("stim_file");
        RequireColumn(onsetColumn, "onset", header, headerLine, (int)lines.LineNumber, fileName);
        RequireColumn(durationColumn, "duration", header, headerLine, (int)lines.LineNumber, fileName);

        var extraColumns = Enumerable.Range(0, header.Count).Where(c => !_typedColumns.Contains(header[c])).ToArray();
        var events = new List<BidsEvent>();
        long cells = 0;
        while (lines.ReadLine() is { } line)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            int lineNumber = (int)Math.Min(lines.LineNumber, int.MaxValue);
            var fields = line.Split('\t');
            if (fields.Length != header.Count)
            {
                var hint = !line.Contains('\t') && line.Contains(' ') ? " The line has no tab: fields must be separated by tabs, not spaces." : fields.Length > header.Count && fields[^1].Length == 0 ? " (a trailing tab?)" : "";
                throw new FormatReadException(fileName, $"line {lineNumber} has {fields.Length} fields but the header has {header.Count} ({string.Join(", ", header)}).{hint}");
            }
            cells += fields.Length;
            limits.Check(fileName, [events.Count + 1, header.Count], NumericType.Float64, "events table");
            if ((cells * BytesPerCell) + (lines.CharsRead * sizeof(char)) > limits.MaxArrayBytes)
            {
                throw new FormatReadException(fileName, $"events table is too large: about {lines.CharsRead:N0} characters in {events.Count + 1:N0} rows exceed the limit of {limits.MaxArrayBytes / (1 << 20):N0} MiB.");
            }
            double onset = ParseOnset(fields[onsetColumn], lineNumber, onsetColumn, fileName);
            double? duration = ParseOptionalNumber(fields[durationColumn], lineNumber, durationColumn, "duration", fileName);
            if (duration < 0)
            {
                throw new FormatReadException(fileName, $"line {lineNumber}, column {durationColumn + 1} (duration): {duration} is negative; BIDS requires a duration >= 0 seconds, or n/a.");
            }
            double? responseTime = responseTimeColumn >= 0 ? ParseOptionalNumber(fields[responseTimeColumn], lineNumber, responseTimeColumn, "response_time", fileName) : null;
            string? trialType = trialTypeColumn >= 0 ? TextOrMissing(fields[trialTypeColumn]) : null;
            string? stimFile = stimFileColumn >= 0 ? TextOrMissing(fields[stimFileColumn]) : null;
            var extra = new Dictionary<string, string?>(extraColumns.Length, StringComparer.Ordinal);
            foreach (int c in extraColumns)
            {
                extra[header[c]] = TextOrMissing(fields[c]);
            }
            events.Add(new BidsEvent(lineNumber, onset, duration, trialType, responseTime, stimFile, extra));
        }
        return new EventsTable(header, events);
    }

    private static List<string> ParseHeader(string line, int lineNumber, string fileName)
    {
        // A UTF-8 byte-order mark is removed by the reader; a second one (or a BOM-in-the-middle from
        // concatenated files) would otherwise glue itself to the first column name.
        var names = line.TrimStart('\uFEFF').Split('\t').Select(n => n.Trim()).ToList();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int c = 0; c < names.Count; c++)
        {
            if (names[c].Length == 0)
            {
                throw new FormatReadException(fileName, $"header line {lineNumber}, column {c + 1} has an empty name{(c == names.Count - 1 ? " (a trailing tab?)" : "")}.");
            }
            if (!seen.Add(names[c]))
            {
                throw new FormatReadException(fileName, $"header line {lineNumber} names column '{names[c]}' twice (columns {names.IndexOf(names[c]) + 1} and {c + 1}).");
            }
        }
        return names;
    }

    private static void RequireColumn(int index, string name, List<string> header, string headerLine, int lineNumber, string fileName)
    {
        if (index >= 0)
        {
            return;
        }
        var caseVariant = header.FirstOrDefault(h => string.Equals(h, name, StringComparison.OrdinalIgnoreCase));
        var hint = caseVariant is not null
            ? $" Found '{caseVariant}': BIDS column names are case-sensitive and lower case."
            : !headerLine.Contains('\t') && (headerLine.Contains(' ') || headerLine.Contains(','))
                ? " The header has no tab-separated columns: BIDS events files are tab-separated, not space- or comma-separated."
                : "";
        var shown = string.Join(", ", header.Take(20).Select(h => NumberText.Quote(h)));
        throw new FormatReadException(fileName, $"missing required column '{name}' (header on line {lineNumber} has: {shown}).{hint}");
    }

    private static double ParseOnset(string text, int lineNumber, int column, string fileName)
    {
        var where = $"line {lineNumber}, column {column + 1} (onset)";
        if (NumberText.IsMissing(text))
        {
            throw new FormatReadException(fileName, $"{where}: onset is {(text.Trim().Length == 0 ? "empty" : NumberText.Quote(text))} but BIDS requires a number of seconds for every event.");
        }
        if (!NumberText.TryParse(text, out double value))
        {
            throw new FormatReadException(fileName, $"{where}: {NumberText.Quote(text)} is not a number of seconds (use '.' as decimal point).");
        }
        if (!double.IsFinite(value))
        {
            throw new FormatReadException(fileName, $"{where}: {NumberText.Quote(text)} is not a finite number of seconds.");
        }
        return value;
    }

    private static double? ParseOptionalNumber(string text, int lineNumber, int column, string name, string fileName)
    {
        if (NumberText.IsMissing(text))
        {
            return null;
        }
        var where = $"line {lineNumber}, column {column + 1} ({name})";
        if (!NumberText.TryParse(text, out double value))
        {
            throw new FormatReadException(fileName, $"{where}: {NumberText.Quote(text)} is not a number of seconds or n/a (use '.' as decimal point).");
        }
        if (!double.IsFinite(value))
        {
            throw new FormatReadException(fileName, $"{where}: {NumberText.Quote(text)} is not a finite number of seconds; write n/a for a missing value.");
        }
        return value;
    }

    private static string? TextOrMissing(string text) => text.Trim() is "" or "n/a" ? null : text;
}
