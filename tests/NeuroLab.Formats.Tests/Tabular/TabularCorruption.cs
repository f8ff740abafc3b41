using System.Text;

namespace NeuroLab.Formats.Tests.Tabular;

/// <summary>Seeded corruptions of text tables for the bad-input tests.</summary>
internal static class TabularCorruption
{
    private static readonly string[] _nastyTokens = ["NaN", "-inf", "1e999", "n/a", "", "\t\t", "\"", "\0", "99999999999999999999999", "-0", "#", "\r", "\uFFFD", "1,5"];

    /// <summary>One of: truncation, byte flips, token replacement, line duplication/removal, gzip then damage.</summary>
    public static byte[] Mutate(byte[] original, Random rng, int caseIndex)
    {
        var bytes = (byte[])original.Clone();
        switch (caseIndex % 7)
        {
            case 0:
                return bytes[..rng.Next(0, bytes.Length)];
            case 1:
                for (int k = rng.Next(1, 9); k > 0; k--)
                {
                    bytes[rng.Next(bytes.Length)] = (byte)rng.Next(256);
                }
                return bytes;
            case 2:
            {
                var text = Encoding.UTF8.GetString(bytes);
                int at = rng.Next(text.Length);
                int length = Math.Min(rng.Next(1, 6), text.Length - at);
                return Encoding.UTF8.GetBytes(text.Remove(at, length).Insert(at, _nastyTokens[rng.Next(_nastyTokens.Length)]));
            }
            case 3:
            {
                var lines = Encoding.UTF8.GetString(bytes).Split('\n').ToList();
                int at = rng.Next(lines.Count);
                if (rng.Next(2) == 0)
                {
                    lines.RemoveAt(at);
                }
                else
                {
                    lines.Insert(at, lines[rng.Next(lines.Count)] + (rng.Next(2) == 0 ? "\t" : "\textra"));
                }
                return Encoding.UTF8.GetBytes(string.Join('\n', lines));
            }
            case 4:
            {
                var gz = TabularTestFiles.Gzip(bytes);
                return rng.Next(2) == 0 ? gz[..rng.Next(0, gz.Length)] : Flip(gz, rng);
            }
            case 5:
            {
                // A huge number where a field was: only finite, bounded values may come out.
                var text = Encoding.UTF8.GetString(bytes);
                int at = rng.Next(text.Length);
                return Encoding.UTF8.GetBytes(text.Insert(at, new string('9', rng.Next(300, 400))));
            }
            default:
            {
                // Random binary junk appended or prepended.
                var junk = new byte[rng.Next(1, 64)];
                rng.NextBytes(junk);
                return rng.Next(2) == 0 ? [.. junk, .. bytes] : [.. bytes, .. junk];
            }
        }
    }

    private static byte[] Flip(byte[] bytes, Random rng)
    {
        for (int k = rng.Next(1, 5); k > 0; k--)
        {
            bytes[rng.Next(bytes.Length)] ^= (byte)(1 << rng.Next(8));
        }
        return bytes;
    }
}
