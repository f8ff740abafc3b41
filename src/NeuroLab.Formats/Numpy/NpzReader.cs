using System.IO.Compression;

namespace NeuroLab.Formats.Numpy;

/// <summary>
/// Reads NumPy <c>.npz</c> archives (<c>numpy.savez</c>: stored zip entries; <c>numpy.savez_compressed</c>:
/// deflate) into arrays keyed by name, in archive order. Each <c>name.npy</c> entry becomes key
/// <c>name</c>, as <c>numpy.load(...).files</c> lists them; entries not ending in <c>.npy</c> and folders
/// are skipped. Every entry is read with <see cref="NpyReader"/>'s rules.
/// </summary>
/// <remarks>
/// Zip-bomb guards: an entry's declared uncompressed size must fit the limits; the .npy header inside it
/// must describe no more data than the entry declares; the decompressed bytes are counted and never read
/// past the declared size; and the decoded total of all arrays may not exceed <c>maxTotalBytes</c>
/// (default 4 x <see cref="ReadLimits.MaxArrayBytes"/>). All checks happen before the array is allocated.
/// </remarks>
public static class NpzReader
{
    /// <summary>Reads the .npz archive at <paramref name="path"/>.</summary>
    /// <param name="path">The archive.</param>
    /// <param name="limits">Per-array limits; <see cref="ReadLimits.Default"/> when null.</param>
    /// <param name="maxTotalBytes">Largest decoded total of all arrays; default 4 x <see cref="ReadLimits.MaxArrayBytes"/>.</param>
    /// <returns>Arrays by entry name without ".npy", enumerating in archive order.</returns>
    /// <exception cref="FormatReadException">The archive or one of its arrays is unreadable; the message names the entry.</exception>
    public static IReadOnlyDictionary<string, NumericArray> Read(string path, ReadLimits? limits = null, long? maxTotalBytes = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Read(file, Path.GetFileName(path), limits, maxTotalBytes);
    }

    /// <summary>Reads a .npz archive from <paramref name="stream"/> (copied to memory first when not seekable).</summary>
    /// <inheritdoc cref="Read(string, ReadLimits?, long?)"/>
    public static IReadOnlyDictionary<string, NumericArray> Read(Stream stream, string fileName, ReadLimits? limits = null, long? maxTotalBytes = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(fileName);
        limits ??= ReadLimits.Default;
        long totalLimit = maxTotalBytes ?? (limits.MaxArrayBytes > long.MaxValue / 4 ? long.MaxValue : limits.MaxArrayBytes * 4);
        var seekable = stream.CanSeek ? stream : CopyToMemory(stream, fileName, totalLimit);
        try
        {
            CheckMagic(seekable, fileName);
            using var zip = new ZipArchive(seekable, ZipArchiveMode.Read, leaveOpen: true);
            var result = new OrderedDictionary<string, NumericArray>(StringComparer.Ordinal);
            long total = 0;
            foreach (var entry in zip.Entries)
            {
                if (entry.FullName.EndsWith('/') || !entry.FullName.EndsWith(".npy", StringComparison.Ordinal))
                {
                    continue;
                }
                var key = entry.FullName[..^4];
                if (result.ContainsKey(key))
                {
                    throw new FormatReadException(fileName, $"the archive holds two entries named '{entry.FullName}'.");
                }
                var array = ReadEntry(entry, fileName, limits, totalLimit - total);
                total += array.Data.LongLength * (NumericTypes.IsComplex(array.Type) ? NumericTypes.SizeOf(array.Type) / 2 : NumericTypes.SizeOf(array.Type));
                result.Add(key, array);
            }
            return new System.Collections.ObjectModel.ReadOnlyDictionary<string, NumericArray>(result);
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException or IOException or ArgumentOutOfRangeException)
        {
            throw new FormatReadException(fileName, $"not a readable .npz (zip) archive: {e.Message}", e);
        }
        finally
        {
            if (!ReferenceEquals(seekable, stream))
            {
                seekable.Dispose();
            }
        }
    }

    /// <summary>
    /// Visits the .npy entries of the archive at <paramref name="path"/> without decoding them into memory: for each
    /// entry (in archive order, filtered by <paramref name="select"/>) its checked header and a stream positioned at
    /// its first data byte, which refuses to deliver more than the entry declares. Declared sizes are checked against
    /// <paramref name="limits"/> per array and <paramref name="maxTotalBytes"/> in total before anything is read.
    /// </summary>
    public static void VisitEntries(string path, string fileName, ReadLimits limits, long maxTotalBytes, Func<string, bool> select, Action<string, NpyHeader, Stream> visit)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(select);
        ArgumentNullException.ThrowIfNull(visit);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        try
        {
            CheckMagic(file, fileName);
            using var zip = new ZipArchive(file, ZipArchiveMode.Read, leaveOpen: true);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            long total = 0;
            foreach (var entry in zip.Entries)
            {
                if (entry.FullName.EndsWith('/') || !entry.FullName.EndsWith(".npy", StringComparison.Ordinal))
                {
                    continue;
                }
                var key = entry.FullName[..^4];
                if (!seen.Add(key))
                {
                    throw new FormatReadException(fileName, $"the archive holds two entries named '{entry.FullName}'.");
                }
                long declared = entry.Length;
                if (declared < 0 || declared > limits.MaxArrayBytes + 8 + 4 + NpyReader.MaxHeaderLength)
                {
                    throw new FormatReadException(fileName, $"entry '{entry.FullName}' declares {declared:N0} bytes uncompressed, over the limit of {limits.MaxArrayBytes:N0} bytes{limits.SettingSuffix}.");
                }
                total += declared;
                if (total > maxTotalBytes)
                {
                    throw new FormatReadException(fileName, $"the archive's entries declare over {maxTotalBytes:N0} bytes uncompressed in total{limits.SettingSuffix}.");
                }
                if (!select(key))
                {
                    continue;
                }
                try
                {
                    using var raw = entry.Open();
                    using var counted = new CountingStream(raw, declared, entry.FullName, fileName);
                    var header = NpyReader.ReadHeader(counted, fileName, limits);
                    visit(key, header, counted);
                }
                catch (FormatReadException e) when (!e.Reason.StartsWith("entry '", StringComparison.Ordinal))
                {
                    throw new FormatReadException(fileName, $"entry '{entry.FullName}': {e.Reason}", e);
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException or IOException or ArgumentOutOfRangeException)
        {
            throw new FormatReadException(fileName, $"not a readable .npz (zip) archive: {e.Message}", e);
        }
    }

    private static NumericArray ReadEntry(ZipArchiveEntry entry, string fileName, ReadLimits limits, long totalLeft)
    {
        long declared = entry.Length;
        long entryLimit = limits.MaxArrayBytes + 8 + 4 + NpyReader.MaxHeaderLength;
        if (declared < 0 || declared > entryLimit)
        {
            throw new FormatReadException(fileName, $"entry '{entry.FullName}' declares {declared:N0} bytes uncompressed, over the per-array limit of {limits.MaxArrayBytes:N0} bytes.");
        }
        try
        {
            using var raw = entry.Open();
            using var counted = new CountingStream(raw, declared, entry.FullName, fileName);
            return NpyReader.ReadCore(counted, fileName, limits, declared, totalLeft);
        }
        catch (FormatReadException e) when (!e.Reason.StartsWith("entry '", StringComparison.Ordinal))
        {
            throw new FormatReadException(fileName, $"entry '{entry.FullName}': {e.Reason}", e);
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException or IOException)
        {
            throw new FormatReadException(fileName, $"entry '{entry.FullName}' cannot be decompressed: {e.Message}", e);
        }
    }

    private static void CheckMagic(Stream stream, string fileName)
    {
        long start = stream.Position;
        Span<byte> head = stackalloc byte[4];
        int n = StreamReading.ReadUpTo(stream, head);
        stream.Position = start;
        // Local file header "PK\3\4", or an empty archive's end record "PK\5\6".
        bool zip = n == 4 && head[0] == (byte)'P' && head[1] == (byte)'K'
            && ((head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6));
        if (!zip)
        {
            throw new FormatReadException(fileName, n == 0
                ? "the file is empty; a .npz file is a zip archive."
                : "not a .npz file: it does not start with a zip signature (PK\\3\\4).");
        }
    }

    private static MemoryStream CopyToMemory(Stream stream, string fileName, long limit)
    {
        var memory = new MemoryStream();
        var buffer = new byte[1 << 16];
        int n;
        while ((n = stream.Read(buffer)) > 0)
        {
            if (memory.Length + n > Math.Min(limit, Array.MaxLength))
            {
                throw new FormatReadException(fileName, "the archive is larger than the read limits allow.");
            }
            memory.Write(buffer, 0, n);
        }
        memory.Position = 0;
        return memory;
    }

    /// <summary>Passes reads through, refusing to deliver more bytes than the entry declares.</summary>
    private sealed class CountingStream(Stream inner, long declared, string entryName, string fileName) : Stream
    {
        private long _count;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _count; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = inner.Read(buffer);
            _count += n;
            if (_count > declared)
            {
                throw new FormatReadException(fileName, $"entry '{entryName}' decompresses to more than the {declared:N0} bytes its zip header declares.");
            }
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
