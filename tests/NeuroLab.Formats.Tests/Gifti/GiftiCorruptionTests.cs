using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using NeuroLab.Formats.Gifti;

namespace NeuroLab.Formats.Tests.Gifti;

/// <summary>
/// Seeded corruption of real fsaverage5 GIFTI files (gzip bytes and the XML inside) and of nibabel
/// fixtures: truncations, flipped bytes, hostile attribute values, broken structure, entity tricks.
/// Only <see cref="FormatReadException"/> may escape, and no case may allocate far beyond the limits.
/// </summary>
public sealed partial class GiftiCorruptionTests
{
    private const int Cases = 360;
    private static readonly ReadLimits _limits = new() { MaxArrayBytes = 8 << 20 };

    private static readonly string[] _hostileValues =
    [
        "-1", "0", "99999999999", "9223372036854775807", "-9223372036854775808", "2147483648", "1e9", "", " ", "abc",
        "NIFTI_TYPE_RGB24", "NIFTI_TYPE_FLOAT16", "NIFTI_TYPE_INT64", "NIFTI_TYPE_UINT8", "NIFTI_TYPE_COMPLEX128",
        "ASCII", "Base64Binary", "GZipBase64Binary", "ExternalFileBinary", "BigEndian", "ColumnMajorOrder",
        "NIFTI_INTENT_TRIANGLE", "NIFTI_INTENT_POINTSET", "33", "3", "1", "../../etc/passwd", "&amp;",
    ];

    private static readonly string[] _attributes =
    [
        "Dim0", "Dim1", "Dimensionality", "DataType", "Encoding", "Endian", "ArrayIndexingOrder", "Intent",
        "ExternalFileName", "ExternalFileOffset", "Key", "Red",
    ];

    private static readonly string[] _insertions =
    [
        "<!DOCTYPE x [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]>", "&b;", "&undefined;", "<DataArray>", "</GIFTI>",
        "<![CDATA[", "]]>", "<Data>", "</Data>", "\u0000", "<MD><Name>x</Name></MD>", "<GIFTI>", "<?pi x?>", "<!-- c -->",
    ];

    [Fact]
    public void GiftiReader_SeededCorruptions_OnlyThrowFormatReadException()
    {
        var realGz = new[] { "white_left.gii.gz", "thick_right.gii.gz", "flat_left.gii.gz", "sulc.left.gii.gz" }
            .Select(f => File.ReadAllBytes(SharedData.Path("templates/fsaverage5/" + f))).ToList();
        var xmlSources = realGz.Select(GiftiTestFiles.Text)
            .Concat(new[] { "ascii_surface.gii", "base64_types.gii", "bigendian.gii", "colmajor.gii", "base64_labels.gii" }.Select(GiftiTestFiles.FixtureText))
            .ToList();
        var random = new Random(20240609);
        var failures = new List<string>();
        int refused = 0;

        for (int i = 0; i < Cases; i++)
        {
            byte[] bytes;
            string what;
            if (random.Next(4) == 0)
            {
                (bytes, what) = CorruptBytes(realGz[random.Next(realGz.Count)], random);
            }
            else
            {
                var source = xmlSources[random.Next(xmlSources.Count)];
                (var text, what) = CorruptXml(source, random);
                bytes = Encoding.UTF8.GetBytes(text);
                if (random.Next(3) == 0)
                {
                    bytes = Gzip(bytes);
                    what += ", gzipped";
                }
            }

            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                GiftiReader.Read(new MemoryStream(bytes), "fuzz.gii", _limits);
            }
            catch (FormatReadException e)
            {
                refused++;
                if (e.FileName != "fuzz.gii" || string.IsNullOrWhiteSpace(e.Reason))
                {
                    failures.Add($"case {i} ({what}): message without file name or reason: {e.Message}");
                }
            }
            catch (Exception e)
            {
                failures.Add($"case {i} ({what}): {e.GetType().Name}: {e.Message}");
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            // A 10242-vertex mesh decodes to about 0.4 MB; parsing its 1 MB of XML allocates a few MB.
            long bound = (4 * _limits.MaxArrayBytes) + (32L << 20);
            if (allocated > bound)
            {
                failures.Add($"case {i} ({what}): allocated {allocated:N0} bytes, over {bound:N0}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(refused > Cases / 4, $"only {refused} cases were refused; the corruptions are too mild");
    }

    private static (byte[] Bytes, string What) CorruptBytes(byte[] source, Random random)
    {
        var bytes = (byte[])source.Clone();
        if (random.Next(2) == 0)
        {
            int length = random.Next(source.Length);
            return (bytes[..length], $"gzip truncated to {length}");
        }
        for (int k = random.Next(1, 6); k > 0; k--)
        {
            bytes[random.Next(bytes.Length)] ^= (byte)random.Next(1, 256);
        }
        return (bytes, "gzip bytes flipped");
    }

    private static (string Text, string What) CorruptXml(string source, Random random)
    {
        switch (random.Next(7))
        {
            case 0:
                int length = random.Next(source.Length);
                return (source[..length], $"XML truncated to {length}");
            case 1:
                var chars = source.ToCharArray();
                for (int k = random.Next(1, 8); k > 0; k--)
                {
                    chars[random.Next(chars.Length)] = (char)random.Next(32, 127);
                }
                return (new string(chars), "XML characters replaced");
            case 2:
            case 3:
                var attribute = _attributes[random.Next(_attributes.Length)];
                var value = _hostileValues[random.Next(_hostileValues.Length)];
                var matches = Regex.Matches(source, $"\\b{attribute}=\"[^\"]*\"");
                if (matches.Count == 0)
                {
                    return (source.Replace("<DataArray ", $"<DataArray {attribute}=\"{value}\" ", StringComparison.Ordinal), $"added {attribute}=\"{value}\"");
                }
                var m = matches[random.Next(matches.Count)];
                return (source[..m.Index] + $"{attribute}=\"{value}\"" + source[(m.Index + m.Length)..], $"{attribute}=\"{value}\"");
            case 4:
                var insertion = _insertions[random.Next(_insertions.Length)];
                int at = insertion.StartsWith("<!DOCTYPE", StringComparison.Ordinal) ? source.IndexOf("<GIFTI", StringComparison.Ordinal) : random.Next(source.Length);
                return (source[..at] + insertion + source[at..], $"inserted {insertion} at {at}");
            case 5:
                // Damage the payload of one Data element (base64 or ASCII text).
                var data = DataElement().Matches(source);
                var d = data[random.Next(data.Count)];
                var content = d.Groups[1];
                int cut = content.Length == 0 ? 0 : random.Next(content.Length);
                var damaged = random.Next(3) switch
                {
                    0 => content.Value[..cut],
                    1 => content.Value[..cut] + "!!" + content.Value[cut..],
                    _ => content.Value + content.Value[..cut],
                };
                return (source[..content.Index] + damaged + source[(content.Index + content.Length)..], $"Data payload damaged at {cut}");
            default:
                // Drop one closing or opening tag.
                var tags = Tag().Matches(source);
                var t = tags[random.Next(tags.Count)];
                return (source[..t.Index] + source[(t.Index + t.Length)..], $"removed tag {t.Value}");
        }
    }

    private static byte[] Gzip(byte[] bytes)
    {
        var memory = new MemoryStream();
        using (var gz = new GZipStream(memory, CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write(bytes);
        }
        return memory.ToArray();
    }

    [GeneratedRegex("<Data>([^<]*)</Data>")]
    private static partial Regex DataElement();

    [GeneratedRegex("</?[A-Za-z]+[^>]*>")]
    private static partial Regex Tag();
}
