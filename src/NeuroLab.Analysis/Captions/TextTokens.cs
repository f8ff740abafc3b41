using System.Globalization;
using System.Text;

namespace NeuroLab.Analysis.Captions;

/// <summary>
/// Word tokens of captions: lower case, letters and digits (hyphenated words kept whole), English stop words and
/// one-character tokens dropped. The same tokenizer serves keyword statistics and the TF-IDF embedding, so the
/// words a caption is built from are the words it is scored by.
/// </summary>
public static class TextTokens
{
    /// <summary>A compact English stop-word list (articles, pronouns, auxiliaries, prepositions, conjunctions).</summary>
    public static IReadOnlySet<string> StopWords { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "a", "an", "the", "and", "or", "but", "if", "of", "at", "by", "for", "with", "about", "against", "between", "into",
        "through", "during", "before", "after", "above", "below", "to", "from", "up", "down", "in", "out", "on", "off", "over",
        "under", "again", "further", "then", "once", "here", "there", "when", "where", "why", "how", "all", "any", "both",
        "each", "few", "more", "most", "other", "some", "such", "no", "nor", "not", "only", "own", "same", "so", "than", "too",
        "very", "can", "will", "just", "should", "now", "is", "are", "was", "were", "be", "been", "being", "have", "has", "had",
        "having", "do", "does", "did", "doing", "i", "me", "my", "we", "our", "you", "your", "he", "him", "his", "she", "her",
        "it", "its", "they", "them", "their", "what", "which", "who", "whom", "this", "that", "these", "those", "am", "as",
        "until", "while", "also", "image", "picture", "photo", "shows", "showing", "prefers", "scene", "there's", "it's",
    };

    /// <summary>The tokens of a text, in order.</summary>
    public static IReadOnlyList<string> Tokenize(string? text)
    {
        var tokens = new List<string>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return tokens;
        }
        var current = new StringBuilder();
        void Flush()
        {
            var token = current.ToString().Trim('-');
            current.Clear();
            if (token.Length > 1 && !StopWords.Contains(token))
            {
                tokens.Add(token);
            }
        }
        foreach (var c in text.Normalize(NormalizationForm.FormKC))
        {
            if (char.IsLetterOrDigit(c) || (c == '-' && current.Length > 0))
            {
                current.Append(char.ToLower(c, CultureInfo.InvariantCulture));
            }
            else
            {
                Flush();
            }
        }
        Flush();
        return tokens;
    }
}
