using System.Text;

namespace NeuroLab.Formats.Inspection;

/// <summary>Recognises a file's format from its first bytes (after gzip), never from its extension alone.</summary>
public static class FormatDetector
{
    // Byte arrays, not "\x93NUMPY"u8: C#'s \x escape takes up to four hex digits and UTF-8-encodes the result.
    private static readonly byte[] _npyMagic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
    private static readonly byte[] _hdf5Magic = [0x89, (byte)'H', (byte)'D', (byte)'F', 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly byte[] _pngMagic = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly byte[] _jpegMagic = [0xFF, 0xD8, 0xFF];

    /// <summary>Reads the head of <paramref name="path"/> and names its format, or "unknown".</summary>
    public static string Detect(string path)
    {
        var head = new byte[1024];
        int n;
        bool gzip;
        using (var raw = File.OpenRead(path))
        {
            var two = new byte[2];
            gzip = StreamReading.ReadUpTo(raw, two) == 2 && StreamReading.IsGzip(two);
        }
        try
        {
            using var stream = StreamReading.OpenMaybeGzip(path);
            n = StreamReading.ReadUpTo(stream, head);
        }
        catch (InvalidDataException)
        {
            return gzip ? "corrupt-gzip" : "unknown";
        }
        var format = Detect(head.AsSpan(0, n), Path.GetFileName(path));
        return format == "npz" && !gzip ? ClassifyZip(path) : format;
    }

    /// <summary>
    /// A zip is an .npz unless its entries are a PyTorch archive: <c>name/data.pkl</c> with <c>name/code/</c> is a
    /// TorchScript model (torch.jit.save), without code it is a torch.save pickle (weights, no program).
    /// Only the central directory is read.
    /// </summary>
    private static string ClassifyZip(string path)
    {
        try
        {
            using var zip = System.IO.Compression.ZipFile.OpenRead(path);
            bool pickle = false, code = false;
            foreach (var entry in zip.Entries)
            {
                if (entry.FullName.EndsWith(".npy", StringComparison.Ordinal))
                {
                    return "npz";
                }
                pickle |= entry.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) || entry.FullName == "data.pkl";
                code |= entry.FullName.Contains("/code/", StringComparison.Ordinal);
            }
            return pickle ? (code ? "torchscript" : "pytorch-pickle") : "npz";
        }
        catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException)
        {
            return "npz"; // the .npz reader names what is wrong with the archive
        }
    }

    /// <summary>Names the format of a file whose (decompressed) head is <paramref name="head"/>.</summary>
    public static string Detect(ReadOnlySpan<byte> head, string fileName)
    {
        if (head.Length >= 4)
        {
            int le = BitConverter.ToInt32(head[..4]);
            int be = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(head[..4]);
            if (le is 348 or 540 || be is 348 or 540)
            {
                return "nifti";
            }
        }
        if (head.StartsWith(_npyMagic))
        {
            return "npy";
        }
        if (head.StartsWith("PK\x03\x04"u8) || head.StartsWith("PK\x05\x06"u8))
        {
            return "npz";
        }
        if (head.StartsWith("MATLAB"u8))
        {
            return "mat";
        }
        if (head.StartsWith(_hdf5Magic))
        {
            return "hdf5";
        }
        if (head.StartsWith(_pngMagic) || head.StartsWith(_jpegMagic))
        {
            return "image";
        }
        if (Onnx.OnnxGraph.LooksLikeModel(head))
        {
            return "onnx";
        }
        var text = Encoding.UTF8.GetString(head);
        if (text.TrimStart('\uFEFF', ' ', '\r', '\n', '\t').StartsWith('<') && text.Contains("GIFTI", StringComparison.Ordinal))
        {
            return "gifti";
        }
        if (head.IndexOf((byte)0) >= 0)
        {
            return "unknown";
        }
        var firstLine = text.Split('\n', 2)[0].Trim().ToLowerInvariant();
        var columns = firstLine.Split('\t');
        if (columns.Contains("onset") && columns.Contains("duration"))
        {
            return "events-tsv";
        }
        return "text";
    }
}
