namespace NeuroLab.Formats.Tabular;

/// <summary>How fields of a line are separated in a delimited numeric text file.</summary>
public enum FieldSeparator
{
    /// <summary>
    /// Chosen from the file name (a trailing <c>.gz</c> ignored): <c>.csv</c> comma (semicolon when the
    /// first data line has semicolons and no commas, as spreadsheet exports in some locales write),
    /// <c>.tsv</c>/<c>.tab</c> tab, <c>.1D</c> whitespace (AFNI); any other extension (<c>.txt</c>,
    /// <c>.dat</c>, ...) comma when the first data line has a comma, semicolon when it has a semicolon,
    /// whitespace otherwise.
    /// </summary>
    Auto,

    /// <summary>Comma; fields may be double-quoted (RFC 4180, "" inside quotes is a quote).</summary>
    Comma,

    /// <summary>Single tab; consecutive tabs delimit an empty (missing) field. Fields may be double-quoted.</summary>
    Tab,

    /// <summary>Semicolon; fields may be double-quoted.</summary>
    Semicolon,

    /// <summary>Any run of spaces and tabs (NumPy <c>loadtxt</c> default, AFNI <c>.1D</c>); leading/trailing whitespace ignored.</summary>
    Whitespace,
}

/// <summary>Whether a delimited file starts with a row of column names.</summary>
public enum HeaderRow
{
    /// <summary>
    /// Detect: a first line made only of <c>#</c>-prefixed tokens (<c>#1 #2 ...</c>, as in ABIDE
    /// Preprocessed <c>.1D</c> ROI time series) names the columns when it has as many tokens as the data has
    /// columns (the <c>#</c> is dropped); otherwise the first non-comment row is a header when any field
    /// is not a number. A header of numbers only (e.g. "1 2 3") is read as data: use <see cref="FirstRow"/>.
    /// </summary>
    Auto,

    /// <summary>The first non-comment row holds the column names, whatever it contains.</summary>
    FirstRow,

    /// <summary>No header: every non-comment row is data.</summary>
    None,
}

/// <summary>Options for <see cref="DelimitedMatrixReader"/>.</summary>
public sealed record DelimitedMatrixOptions
{
    /// <summary>Auto-detected separator and header, finite values only, default limits.</summary>
    public static DelimitedMatrixOptions Default { get; } = new();

    public FieldSeparator Separator { get; init; } = FieldSeparator.Auto;

    public HeaderRow Header { get; init; } = HeaderRow.Auto;

    /// <summary>
    /// Accept NaN, ±Inf and missing values (empty field, "n/a", "NA"; missing become NaN). Off by default:
    /// a NaN silently poisons means, correlations and model fits, so the reader stops at the first one
    /// and names its line and column. Turn on for files with legitimate gaps, e.g. fMRIPrep confounds
    /// whose first row of derivative columns is n/a.
    /// </summary>
    public bool AllowNonFinite { get; init; }

    /// <summary>Limits on the decoded matrix (float64 rows x columns), checked before each row is stored.</summary>
    public ReadLimits Limits { get; init; } = ReadLimits.Default;

    /// <summary>Longest line in characters (default 64 Mi: 200,000 columns of 20-character numbers fit).</summary>
    public int MaxLineChars { get; init; } = 64 * 1024 * 1024;
}

/// <summary>A numeric matrix read from delimited text: float64 values [rows, columns] in C order, plus column names.</summary>
public sealed class DelimitedMatrix
{
    public DelimitedMatrix(NumericArray values, IReadOnlyList<string>? columnNames, FieldSeparator separator)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Rank != 2 || values.Type != NumericType.Float64 || values.Order != ArrayOrder.C)
        {
            throw new ArgumentException("Values must be a float64 [rows, columns] array in C order.", nameof(values));
        }
        if (columnNames is not null && columnNames.Count != values.Shape[1])
        {
            throw new ArgumentException($"{columnNames.Count} column names for {values.Shape[1]} columns.", nameof(columnNames));
        }
        Values = values;
        ColumnNames = columnNames;
        Separator = separator;
    }

    /// <summary>float64 [rows, columns], C order (row-major). A single column or row still has rank 2 (NumPy's loadtxt would squeeze it).</summary>
    public NumericArray Values { get; }

    /// <summary>Column names from the header, or null when the file has none.</summary>
    public IReadOnlyList<string>? ColumnNames { get; }

    /// <summary>The separator used (never <see cref="FieldSeparator.Auto"/>).</summary>
    public FieldSeparator Separator { get; }

    public int RowCount => (int)Values.Shape[0];

    public int ColumnCount => (int)Values.Shape[1];
}
