using System.Buffers.Binary;
using System.IO.Compression;

namespace NeuroLab.Formats;

/// <summary>Shared helpers for readers: gzip detection, exact reads with clear truncation errors, endian conversion.</summary>
public static class StreamReading
{
    /// <summary>True when the first two bytes are the gzip magic 1f 8b.</summary>
    public static bool IsGzip(ReadOnlySpan<byte> head) => head.Length >= 2 && head[0] == 0x1f && head[1] == 0x8b;

    /// <summary>
    /// Opens <paramref name="path"/> for sequential reading, transparently decompressing gzip (detected by
    /// magic bytes, not by extension).
    /// </summary>
    public static Stream OpenMaybeGzip(string path)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return WrapMaybeGzip(file);
    }

    /// <summary>Wraps <paramref name="stream"/> in a GZipStream when it starts with the gzip magic. Takes ownership.</summary>
    public static Stream WrapMaybeGzip(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> head = stackalloc byte[2];
        if (stream.CanSeek)
        {
            var start = stream.Position;
            int read = ReadUpTo(stream, head);
            stream.Position = start;
            return IsGzip(head[..read]) ? new GZipStream(stream, CompressionMode.Decompress) : stream;
        }
        int n = ReadUpTo(stream, head);
        var prefixed = new PrefixedStream(head[..n].ToArray(), stream);
        return IsGzip(head[..n]) ? new GZipStream(prefixed, CompressionMode.Decompress) : prefixed;
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the stream ends; returns the count read.</summary>
    public static int ReadUpTo(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer[total..]);
            if (n == 0)
            {
                break;
            }
            total += n;
        }
        return total;
    }

    /// <summary>
    /// Reads exactly <paramref name="buffer"/>.Length bytes. Truncation and gzip corruption become a
    /// <see cref="FormatReadException"/> naming <paramref name="what"/>.
    /// </summary>
    public static void ReadExactly(Stream stream, Span<byte> buffer, string fileName, string what)
    {
        int got;
        try
        {
            got = ReadUpTo(stream, buffer);
        }
        catch (InvalidDataException e)
        {
            throw new FormatReadException(fileName, $"corrupt compressed data while reading {what} ({e.Message})", e);
        }
        if (got < buffer.Length)
        {
            throw new FormatReadException(fileName, $"file ends early: {what} needs {buffer.Length:N0} bytes, only {got:N0} remain.");
        }
    }

    /// <summary>Skips <paramref name="count"/> bytes, failing clearly when the stream ends first.</summary>
    public static void Skip(Stream stream, long count, string fileName, string what)
    {
        if (count <= 0)
        {
            return;
        }
        if (stream.CanSeek)
        {
            if (stream.Position + count > stream.Length)
            {
                throw new FormatReadException(fileName, $"file ends early: cannot skip {count:N0} bytes to reach {what}.");
            }
            stream.Seek(count, SeekOrigin.Current);
            return;
        }
        var scratch = new byte[(int)Math.Min(count, 1 << 16)];
        while (count > 0)
        {
            int chunk = (int)Math.Min(count, scratch.Length);
            ReadExactly(stream, scratch.AsSpan(0, chunk), fileName, what);
            count -= chunk;
        }
    }

    /// <summary>Swaps the byte order of every element in place (element size 2, 4, 8; 16 = two 8-byte halves).</summary>
    public static void ReverseEndianness(Span<byte> bytes, int elementSize)
    {
        switch (elementSize)
        {
            case 1:
                return;
            case 2:
                var s = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(bytes);
                BinaryPrimitives.ReverseEndianness(s, s);
                return;
            case 4:
                var i = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(bytes);
                BinaryPrimitives.ReverseEndianness(i, i);
                return;
            case 8:
            case 16:
                var l = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(bytes);
                BinaryPrimitives.ReverseEndianness(l, l);
                return;
            default:
                throw new ArgumentOutOfRangeException(nameof(elementSize));
        }
    }

    /// <summary>
    /// Reads <paramref name="count"/> elements of <paramref name="type"/> stored with the given byte order
    /// into a new typed array, converting to machine order. Callers check limits first.
    /// </summary>
    public static Array ReadElements(Stream stream, NumericType type, long count, bool littleEndian, string fileName, string what)
    {
        long stored = NumericTypes.IsComplex(type) ? count * 2 : count;
        var array = Array.CreateInstance(NumericTypes.ClrType(type), stored);
        var placeholder = new NumericArray(type, NumericTypes.IsComplex(type) ? [count] : [count], array);
        var bytes = placeholder.AsBytesSpan();
        // Read in chunks so a truncated file is reported without waiting on one giant read.
        const int chunk = 1 << 24;
        for (long offset = 0; offset < bytes.Length; offset += chunk)
        {
            int length = (int)Math.Min(chunk, bytes.Length - offset);
            ReadExactly(stream, bytes.Slice((int)offset, length), fileName, what);
        }
        if (littleEndian != BitConverter.IsLittleEndian)
        {
            int size = NumericTypes.IsComplex(type) ? NumericTypes.SizeOf(type) / 2 : NumericTypes.SizeOf(type);
            ReverseEndianness(bytes, size);
        }
        if (type == NumericType.Bool)
        {
            // Normalise any non-zero byte to true so bool[] holds only 0/1.
            var raw = bytes;
            for (int k = 0; k < raw.Length; k++)
            {
                raw[k] = raw[k] != 0 ? (byte)1 : (byte)0;
            }
        }
        return array;
    }

}
