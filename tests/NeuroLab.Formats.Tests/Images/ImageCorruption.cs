using System.Buffers.Binary;

namespace NeuroLab.Formats.Tests.Images;

/// <summary>Seeded corruptions of PNG/JPEG files: truncation, byte flips, and header fields set to huge, zero or negative values.</summary>
internal static class ImageCorruption
{
    private static readonly uint[] _nastySizes = [0, 1, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 65_535, 1_000_000, 3];

    public static byte[] Mutate(byte[] original, Random rng, int caseIndex)
    {
        var bytes = (byte[])original.Clone();
        bool png = bytes[0] == 0x89;
        switch (caseIndex % 6)
        {
            case 0:
                return bytes[..rng.Next(0, bytes.Length)];
            case 1:
                for (int k = rng.Next(1, 12); k > 0; k--)
                {
                    bytes[rng.Next(bytes.Length)] = (byte)rng.Next(256);
                }
                return bytes;
            case 2:
                // Damage only the first kilobyte, where the headers and tables are.
                for (int k = rng.Next(1, 4); k > 0; k--)
                {
                    bytes[rng.Next(Math.Min(1024, bytes.Length))] ^= (byte)(1 << rng.Next(8));
                }
                return bytes;
            case 3:
                if (png)
                {
                    // IHDR width or height, or the length field of the first chunk after IHDR.
                    int at = rng.Next(3) switch { 0 => 16, 1 => 20, _ => 33 };
                    BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(at), _nastySizes[rng.Next(_nastySizes.Length)]);
                }
                else
                {
                    int sof = bytes.AsSpan().IndexOf([(byte)0xFF, (byte)0xC0]);
                    BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(sof + 5 + (2 * rng.Next(2))), (ushort)_nastySizes[rng.Next(_nastySizes.Length)]);
                }
                return bytes;
            case 4:
            {
                // A segment or chunk length set to garbage.
                int marker = png ? 8 : bytes.AsSpan(2).IndexOf((byte)0xFF) + 2;
                int at = png ? marker + (rng.Next(2) * 25) : marker + 2;
                bytes[at] = (byte)rng.Next(256);
                bytes[at + 1] = (byte)rng.Next(256);
                return bytes;
            }
            default:
            {
                // Part of the file repeated or removed.
                int start = rng.Next(bytes.Length);
                int length = rng.Next(1, Math.Min(2000, bytes.Length - start) + 1);
                return rng.Next(2) == 0 ? [.. bytes[..start], .. bytes[(start + length)..]] : [.. bytes[..(start + length)], .. bytes[start..]];
            }
        }
    }
}
