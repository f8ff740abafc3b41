namespace NeuroLab.Formats.Gifti;

/// <summary>
/// GIFTI <c>MetaData</c>: name/value pairs (<c>MD</c> elements with <c>Name</c> and <c>Value</c>) of the
/// file or of one data array, in file order. GIFTI 1.0 spec section 2.4.
/// </summary>
public sealed class GiftiMetaData
{
    private readonly KeyValuePair<string, string>[] _entries;

    /// <summary>Wraps <paramref name="entries"/> in file order.</summary>
    public GiftiMetaData(IEnumerable<KeyValuePair<string, string>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        _entries = [.. entries];
    }

    /// <summary>No entries.</summary>
    public static GiftiMetaData Empty { get; } = new([]);

    /// <summary>All pairs in file order (a name may repeat in a malformed file).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Entries => _entries;

    /// <summary>Number of pairs.</summary>
    public int Count => _entries.Length;

    /// <summary>
    /// The value for <paramref name="name"/> (exact, case-sensitive), or null. When a name repeats the last
    /// value wins, as in nibabel.
    /// </summary>
    public string? this[string name]
    {
        get
        {
            for (int i = _entries.Length - 1; i >= 0; i--)
            {
                if (string.Equals(_entries[i].Key, name, StringComparison.Ordinal))
                {
                    return _entries[i].Value;
                }
            }
            return null;
        }
    }
}
