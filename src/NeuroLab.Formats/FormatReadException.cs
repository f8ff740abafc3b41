namespace NeuroLab.Formats;

/// <summary>
/// The one exception readers throw for bad input: a corrupt, truncated, unsupported or oversized file.
/// <see cref="Exception.Message"/> names the file and the reason, e.g.
/// "brain.nii.gz: header says 64x64x40x300 int16 (98 MB) but the file ends after 12 MB".
/// </summary>
public sealed class FormatReadException : Exception
{
    public FormatReadException(string fileName, string reason, Exception? inner = null)
        : base($"{fileName}: {reason}", inner)
    {
        FileName = fileName;
        Reason = reason;
    }

    /// <summary>The file (name as given to the reader, without folders).</summary>
    public string FileName { get; }

    /// <summary>What is wrong, without the file name.</summary>
    public string Reason { get; }
}

/// <summary>
/// Upper bounds a reader enforces <em>before</em> allocating, so a header claiming absurd dimensions
/// cannot exhaust memory.
/// </summary>
public sealed record ReadLimits
{
    /// <summary>Defaults: 2 GiB of decoded data per array, 2^31-1 elements, 32 dimensions.</summary>
    public static ReadLimits Default { get; } = new();

    /// <summary>Largest decoded array in bytes.</summary>
    public long MaxArrayBytes { get; init; } = 2L * 1024 * 1024 * 1024;

    /// <summary>Largest element count of one array (.NET arrays index with int).</summary>
    public long MaxElements { get; init; } = int.MaxValue;

    /// <summary>Most dimensions of one array.</summary>
    public int MaxRank { get; init; } = 32;

    /// <summary>
    /// Largest decoded total of all arrays of one file, for readers that hold several (MATLAB variables and cells);
    /// unlimited by default.
    /// </summary>
    public long MaxTotalBytes { get; init; } = long.MaxValue;

    /// <summary>
    /// Adds an array's decoded bytes to a file's running <paramref name="total"/> and checks it against
    /// <see cref="MaxTotalBytes"/>.
    /// </summary>
    public void AddToTotal(string fileName, ref long total, long count, NumericType type, string what)
    {
        long bytes = count * NumericTypes.SizeOf(type);
        total = bytes > long.MaxValue - total ? long.MaxValue : total + bytes;
        if (total > MaxTotalBytes)
        {
            throw new FormatReadException(fileName, $"{what} takes the file's arrays past {MaxTotalBytes / (1 << 20):N0} MiB decoded in total{SettingSuffix}.");
        }
    }

    /// <summary>The configuration key that sets <see cref="MaxArrayBytes"/>, named in messages (null: none).</summary>
    public string? Setting { get; init; }

    /// <summary>" (Setting)" or empty, to append to a limit in a message.</summary>
    public string SettingSuffix => Setting is null ? string.Empty : $" ({Setting})";

    /// <summary>
    /// Checks a declared shape and element type against the limits.
    /// </summary>
    /// <returns>The element count.</returns>
    /// <exception cref="FormatReadException">A dimension is negative, the rank or the size exceeds a limit.</exception>
    public long Check(string fileName, IReadOnlyList<long> shape, NumericType type, string what = "array")
    {
        if (shape.Count > MaxRank)
        {
            throw new FormatReadException(fileName, $"{what} has {shape.Count} dimensions; at most {MaxRank} are supported.");
        }
        long count = 1;
        foreach (var d in shape)
        {
            if (d < 0)
            {
                throw new FormatReadException(fileName, $"{what} has a negative dimension in shape [{string.Join(", ", shape)}].");
            }
            if (d != 0 && count > MaxElements / d)
            {
                throw new FormatReadException(fileName, $"{what} of shape [{string.Join(", ", shape)}] is too large (over {MaxElements:N0} elements).");
            }
            count *= d;
        }
        var size = NumericTypes.SizeOf(type);
        if (count > MaxElements || (count > 0 && count > MaxArrayBytes / size))
        {
            throw new FormatReadException(fileName, $"{what} of shape [{string.Join(", ", shape)}] {NumericTypes.Name(type)} needs {count * (double)size / (1 << 20):N0} MiB, over the limit of {MaxArrayBytes / (1 << 20):N0} MiB{SettingSuffix}.");
        }
        return count;
    }
}
