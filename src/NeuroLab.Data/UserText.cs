using System.Globalization;
using System.Text;

namespace NeuroLab.Data;

/// <summary>
/// Cleans names people type or upload before they are stored and shown to others. Invisible format characters
/// (Unicode category Cf: the bidi embeddings/overrides U+202A-U+202E and isolates U+2066-U+2069, the marks
/// U+200E/U+200F/U+061C, zero-width U+200B-U+200D, the byte-order mark U+FEFF, tag characters...) make a name
/// display as something else (a file name with a right-to-left override before "gif.exe" shows as "...exe.gif"), so they are removed.
/// </summary>
public static class UserText
{
    /// <summary>The text without format characters (Cf); ill-formed UTF-16 (a lone surrogate) becomes U+FFFD.</summary>
    public static string RemoveFormatCharacters(string text) => Keep(text, c => c != UnicodeCategory.Format);

    /// <summary>
    /// The text without format characters, control characters (Cc) and line/paragraph separators (Zl, Zp),
    /// for file names, which must stay on one line.
    /// </summary>
    public static string RemoveInvisible(string text) =>
        Keep(text, c => c is not (UnicodeCategory.Format or UnicodeCategory.Control or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator));

    /// <summary>At most <paramref name="maxChars"/> UTF-16 characters from the end of the text, never starting inside a surrogate pair.</summary>
    public static string KeepEnd(string text, int maxChars)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length <= maxChars)
        {
            return text;
        }
        int start = text.Length - maxChars;
        return char.IsLowSurrogate(text[start]) ? text[(start + 1)..] : text[start..];
    }

    private static string Keep(string text, Func<UnicodeCategory, bool> keep)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            if (keep(Rune.GetUnicodeCategory(rune)))
            {
                result.Append(rune.ToString());
            }
        }
        return result.ToString();
    }
}
