using System.Globalization;

namespace NeuroLab.Formats.Tabular;

/// <summary>
/// Culture-independent number parsing for text tables: '.' decimal point, optional sign and exponent,
/// surrounding spaces ignored, no thousands separators. Also accepts the spellings NumPy, R and C
/// write for non-finite values ("nan", "inf", "-Infinity", ...), so callers can say precisely that a
/// value is non-finite rather than "not a number".
/// </summary>
internal static class NumberText
{
    /// <summary>Parses <paramref name="text"/>; the value may be NaN or infinite (callers decide). Overflow gives infinity, as in NumPy.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out double value)
    {
        text = text.Trim();
        if (text.IsEmpty)
        {
            value = double.NaN;
            return false;
        }
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
        {
            return true;
        }
        var unsigned = text[0] is '+' or '-' ? text[1..] : text;
        bool negative = text[0] == '-';
        if (unsigned.Equals("nan", StringComparison.OrdinalIgnoreCase))
        {
            value = double.NaN;
            return true;
        }
        if (unsigned.Equals("inf", StringComparison.OrdinalIgnoreCase) || unsigned.Equals("infinity", StringComparison.OrdinalIgnoreCase))
        {
            value = negative ? double.NegativeInfinity : double.PositiveInfinity;
            return true;
        }
        value = double.NaN;
        return false;
    }

    /// <summary>True for the usual spellings of a missing value: empty, "n/a" (BIDS), "NA" (R), "N/A".</summary>
    public static bool IsMissing(ReadOnlySpan<char> text)
    {
        text = text.Trim();
        return text.IsEmpty
            || text.Equals("n/a", StringComparison.OrdinalIgnoreCase)
            || text.Equals("na", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Shortens a field for an error message.</summary>
    public static string Quote(ReadOnlySpan<char> text)
    {
        const int MaxShown = 40;
        return text.Length <= MaxShown ? $"'{text}'" : $"'{text[..MaxShown]}...'";
    }
}
