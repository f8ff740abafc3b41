using System.Buffers.Binary;
using System.Text;

namespace NeuroLab.Formats.Nifti;

/// <summary>
/// Reads NIfTI-1 and NIfTI-2 images (<c>.nii</c>, <c>.nii.gz</c>, and <c>.hdr</c>/<c>.img</c> pairs),
/// either byte order, all standard datatypes except DT_BINARY, DT_FLOAT128 and DT_COMPLEX256 (rejected
/// by name). Every declared size is checked against <see cref="ReadLimits"/> and, for uncompressed files,
/// against the file length before anything is allocated.
/// </summary>
public static class NiftiReader
{
    private const int Nifti1HeaderSize = 348;
    private const int Nifti2HeaderSize = 540;

    /// <summary>Reads the whole image from a file path; a <c>.hdr</c> path reads its <c>.img</c> (or <c>.img.gz</c>) sibling.</summary>
    public static NiftiImage Read(string path, ReadLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var name = Path.GetFileName(path);
        using var stream = OpenFile(path, name);
        var header = ReadHeader(stream, name);
        if (header.SingleFile)
        {
            return ReadData(stream, header, name, limits ?? ReadLimits.Default, header.VoxOffset - HeaderSize(header), SeekableLength(path, stream));
        }
        var imagePath = ImagePathFor(path, name);
        using var image = OpenFile(imagePath, Path.GetFileName(imagePath));
        return ReadData(image, header, Path.GetFileName(imagePath), limits ?? ReadLimits.Default, header.VoxOffset, SeekableLength(imagePath, image));
    }

    /// <summary>
    /// Reads a single-file image (<c>.nii</c> or gzip-compressed <c>.nii.gz</c>, detected by content) from
    /// <paramref name="stream"/>. <paramref name="fileName"/> is used in error messages.
    /// </summary>
    public static NiftiImage Read(Stream stream, string fileName, ReadLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var source = Wrap(stream, fileName);
        var header = ReadHeader(source, fileName);
        if (!header.SingleFile)
        {
            throw new FormatReadException(fileName, "this is the header of a .hdr/.img pair (magic ni1/ni2); upload the .hdr and .img together or convert to .nii.");
        }
        long? length = source is GzipAware { IsCompressed: false, KnownLength: { } l } ? l : null;
        return ReadData(source, header, fileName, limits ?? ReadLimits.Default, header.VoxOffset - HeaderSize(header), length);
    }

    /// <summary>Reads only the header (cheap: no voxel data), e.g. to preview shape and affine.</summary>
    public static NiftiHeader ReadHeader(string path)
    {
        var name = Path.GetFileName(path);
        using var stream = OpenFile(path, name);
        return ReadHeader(stream, name);
    }

    /// <summary>
    /// Streams a 4-D single-file image one 3-D volume at a time, so a long run never needs all volumes in
    /// memory. Each yielded array has shape [x, y, z] (Fortran order) in the stored type, unscaled.
    /// </summary>
    public static IEnumerable<NumericArray> ReadVolumes(string path, ReadLimits? limits = null)
    {
        var name = Path.GetFileName(path);
        limits ??= ReadLimits.Default;
        using var stream = OpenVoxelData(path, name, limits, out var header, out var type, out var shape);
        var volumeShape = FirstVolumeShape(header, shape);
        long volumes = header.Shape.Skip(3).Aggregate(1L, (a, b) => checked(a * b));
        long perVolume = limits.Check(name, volumeShape, type, "volume");
        for (long v = 0; v < volumes; v++)
        {
            var data = StreamReading.ReadElements(stream, type, perVolume, !header.BigEndian, name, $"volume {v + 1} of {volumes}");
            yield return new NumericArray(type, volumeShape, data, ArrayOrder.Fortran);
        }
    }

    /// <summary>One 3-D volume's stored shape, [components?, x, y, z], from the whole image's stored shape.</summary>
    private static long[] FirstVolumeShape(NiftiHeader header, long[] shape)
    {
        int components = shape.Length - header.Shape.Count;
        long[] volumeShape = [.. shape.Take(components), .. header.Shape.Take(3)];
        while (volumeShape.Length < components + 3)
        {
            volumeShape = [.. volumeShape, 1];
        }
        return volumeShape;
    }

    /// <summary>
    /// Opens a single-file image for streaming its voxel data without holding it: the header is parsed and checked
    /// (type, <paramref name="limits"/>, and for uncompressed files the length), and the returned stream is
    /// positioned at the first stored element. <paramref name="shape"/> is the stored shape, with RGB/complex
    /// components first ([components, x, y, z, ...], Fortran order), and <paramref name="type"/> the element type.
    /// </summary>
    public static Stream OpenVoxelData(string path, string fileName, ReadLimits limits, out NiftiHeader header, out NumericType type, out long[] shape)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var stream = (GzipAware)OpenFile(path, fileName);
        try
        {
            header = ReadHeader(stream, fileName);
            if (!header.SingleFile)
            {
                throw new FormatReadException(fileName, "this is the header of a .hdr/.img pair (magic ni1/ni2); streaming needs a single-file .nii or .nii.gz image: convert it, or upload the .hdr and .img together.");
            }
            (type, int components) = ResolveType(header, fileName);
            shape = components > 1 ? [components, .. header.Shape] : [.. header.Shape];
            long count = limits.Check(fileName, shape, type, "image");
            CheckFileLength(fileName, header, header.VoxOffset, count * NumericTypes.SizeOf(type), stream.KnownLength);
            StreamReading.Skip(stream, header.VoxOffset - HeaderSize(header), fileName, "the voxel data");
            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads only the first 3-D volume of a single-file image (all of a 3-D one), streaming past nothing else: the
    /// whole image is checked against <paramref name="imageLimits"/> and the volume read against
    /// <paramref name="volumeLimits"/>. The returned image keeps the file's header; its data are [components?, x, y, z].
    /// </summary>
    public static NiftiImage ReadFirstVolume(string path, string fileName, ReadLimits imageLimits, ReadLimits volumeLimits)
    {
        ArgumentNullException.ThrowIfNull(volumeLimits);
        using var stream = OpenVoxelData(path, fileName, imageLimits, out var header, out var type, out var shape);
        var volumeShape = FirstVolumeShape(header, shape);
        // Callers convert the volume to float32: the larger of the stored and the converted size must fit.
        long count = volumeLimits.Check(fileName, volumeShape, NumericTypes.SizeOf(type) >= 4 ? type : NumericType.Float32, "first volume");
        var data = StreamReading.ReadElements(stream, type, count, !header.BigEndian, fileName, $"the first volume ({ShapeText(volumeShape)} {NumericTypes.Name(type)})");
        return new NiftiImage(header, new NumericArray(type, volumeShape, data, ArrayOrder.Fortran));
    }

    private static NiftiImage ReadData(Stream stream, NiftiHeader header, string fileName, ReadLimits limits, long skip, long? fileLength)
    {
        var (type, components) = ResolveType(header, fileName);
        long[] shape = components > 1 ? [components, .. header.Shape] : [.. header.Shape];
        long count = limits.Check(fileName, shape, type, "image");
        long offset = header.SingleFile ? header.VoxOffset : skip;
        CheckFileLength(fileName, header, offset, count * NumericTypes.SizeOf(type), fileLength);
        StreamReading.Skip(stream, skip, fileName, "the voxel data");
        var data = StreamReading.ReadElements(stream, type, count, !header.BigEndian, fileName, $"voxel data ({ShapeText(shape)} {NumericTypes.Name(type)})");
        return new NiftiImage(header, new NumericArray(type, shape, data, ArrayOrder.Fortran));
    }

    private static void CheckFileLength(string fileName, NiftiHeader header, long offset, long bytes, long? fileLength)
    {
        if (fileLength is { } length && offset + bytes > length)
        {
            throw new FormatReadException(fileName,
                $"header says {ShapeText(header.Shape)} {DescribeType(header)} ({bytes:N0} bytes from offset {offset:N0}) but the file has only {length:N0} bytes.");
        }
    }

    private static (NumericType Type, int Components) ResolveType(NiftiHeader header, string fileName) =>
        NiftiDataTypes.Resolve(header.DataTypeCode)
        ?? throw new FormatReadException(fileName, $"NIfTI datatype {NiftiDataTypes.Describe(header.DataTypeCode)} is not supported.");

    private static string DescribeType(NiftiHeader header) =>
        NiftiDataTypes.Resolve(header.DataTypeCode) is { } t ? NumericTypes.Name(t.Type) + (t.Components > 1 ? $"x{t.Components}" : string.Empty) : $"datatype {header.DataTypeCode}";

    private static string ShapeText(IEnumerable<long> shape) => string.Join("x", shape);

    private static int HeaderSize(NiftiHeader header) => header.Version == 2 ? Nifti2HeaderSize : Nifti1HeaderSize;

    /// <summary>Parses a header from the start of <paramref name="stream"/> (already decompressed).</summary>
    public static NiftiHeader ReadHeader(Stream stream, string fileName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var first = new byte[Nifti1HeaderSize];
        int got;
        try
        {
            got = StreamReading.ReadUpTo(stream, first);
        }
        catch (InvalidDataException e)
        {
            throw new FormatReadException(fileName, $"corrupt gzip data ({e.Message}).", e);
        }
        if (got < 4)
        {
            throw new FormatReadException(fileName, "not a NIfTI file: it is shorter than a header.");
        }
        int le = BinaryPrimitives.ReadInt32LittleEndian(first);
        int be = BinaryPrimitives.ReadInt32BigEndian(first);
        (int version, bool bigEndian) = (le, be) switch
        {
            (Nifti1HeaderSize, _) => (1, false),
            (_, Nifti1HeaderSize) => (1, true),
            (Nifti2HeaderSize, _) => (2, false),
            (_, Nifti2HeaderSize) => (2, true),
            _ => throw new FormatReadException(fileName, $"not a NIfTI file (sizeof_hdr is {le}, expected 348 for NIfTI-1 or 540 for NIfTI-2)."),
        };
        byte[] bytes;
        if (version == 1)
        {
            if (got < Nifti1HeaderSize)
            {
                throw new FormatReadException(fileName, $"file ends early: the NIfTI-1 header needs 348 bytes, only {got} present.");
            }
            bytes = first;
        }
        else
        {
            bytes = new byte[Nifti2HeaderSize];
            first.AsSpan(0, got).CopyTo(bytes);
            if (got < Nifti1HeaderSize)
            {
                throw new FormatReadException(fileName, $"file ends early: the NIfTI-2 header needs 540 bytes, only {got} present.");
            }
            StreamReading.ReadExactly(stream, bytes.AsSpan(Nifti1HeaderSize), fileName, "the NIfTI-2 header");
        }
        var r = new HeaderFields(bytes, bigEndian);
        return version == 1 ? ParseNifti1(r, fileName, bigEndian) : ParseNifti2(r, fileName, bigEndian);
    }

    private static NiftiHeader ParseNifti1(HeaderFields r, string fileName, bool bigEndian)
    {
        var magic = r.Ascii(344, 4);
        bool single = magic switch
        {
            "n+1" => true,
            "ni1" => false,
            _ => throw new FormatReadException(fileName, $"bad NIfTI-1 magic '{Printable(magic)}' (expected 'n+1' or 'ni1')."),
        };
        var dims = Enumerable.Range(0, 8).Select(i => (long)r.Int16(40 + 2 * i)).ToArray();
        var shape = Dims(dims, fileName);
        double voxOffset = r.Float32(108);
        if (!double.IsFinite(voxOffset) || voxOffset < 0 || voxOffset != Math.Floor(voxOffset) || voxOffset > int.MaxValue)
        {
            throw new FormatReadException(fileName, $"vox_offset {voxOffset} is not a valid byte offset.");
        }
        if (single && voxOffset < Nifti1HeaderSize)
        {
            // Some writers leave 0 in single files; the data then starts right after the 4-byte extension flag.
            voxOffset = voxOffset == 0 ? 352 : throw new FormatReadException(fileName, $"vox_offset {voxOffset} points inside the 348-byte header.");
        }
        byte units = r.Byte(123);
        return new NiftiHeader
        {
            Version = 1,
            BigEndian = bigEndian,
            SingleFile = single,
            Shape = shape,
            DataTypeCode = r.Int16(70),
            BitsPerVoxel = r.Int16(72),
            PixDim = [.. Enumerable.Range(0, 8).Select(i => (double)r.Float32(76 + 4 * i))],
            VoxOffset = (long)voxOffset,
            SclSlope = r.Float32(112),
            SclInter = r.Float32(116),
            SpaceUnit = (NiftiSpaceUnit)(units & 0x07),
            TimeUnit = (NiftiTimeUnit)(units & 0x38),
            CalMax = r.Float32(124),
            CalMin = r.Float32(128),
            SliceDuration = r.Float32(132),
            TOffset = r.Float32(136),
            Description = r.Ascii(148, 80),
            QFormCode = r.Int16(252),
            SFormCode = r.Int16(254),
            Quaternion = [r.Float32(256), r.Float32(260), r.Float32(264)],
            QOffset = [r.Float32(268), r.Float32(272), r.Float32(276)],
            SRows = Rows(i => r.Float32(280 + 4 * i)),
            IntentCode = r.Int16(68),
            IntentName = r.Ascii(328, 16),
        };
    }

    private static NiftiHeader ParseNifti2(HeaderFields r, string fileName, bool bigEndian)
    {
        var magic = r.Ascii(4, 4);
        bool single = magic switch
        {
            "n+2" => true,
            "ni2" => false,
            _ => throw new FormatReadException(fileName, $"bad NIfTI-2 magic '{Printable(magic)}' (expected 'n+2' or 'ni2')."),
        };
        var dims = Enumerable.Range(0, 8).Select(i => r.Int64(16 + 8 * i)).ToArray();
        var shape = Dims(dims, fileName);
        long voxOffset = r.Int64(168);
        if (single && (voxOffset < Nifti2HeaderSize || voxOffset > int.MaxValue))
        {
            throw new FormatReadException(fileName, $"vox_offset {voxOffset} is not a valid data offset (at least 540).");
        }
        if (!single && voxOffset < 0)
        {
            throw new FormatReadException(fileName, $"vox_offset {voxOffset} is negative.");
        }
        int units = r.Int32(500);
        return new NiftiHeader
        {
            Version = 2,
            BigEndian = bigEndian,
            SingleFile = single,
            Shape = shape,
            DataTypeCode = r.Int16(12),
            BitsPerVoxel = r.Int16(14),
            PixDim = [.. Enumerable.Range(0, 8).Select(i => r.Float64(104 + 8 * i))],
            VoxOffset = voxOffset,
            SclSlope = r.Float64(176),
            SclInter = r.Float64(184),
            CalMax = r.Float64(192),
            CalMin = r.Float64(200),
            SliceDuration = r.Float64(208),
            TOffset = r.Float64(216),
            Description = r.Ascii(240, 80),
            QFormCode = r.Int32(344),
            SFormCode = r.Int32(348),
            Quaternion = [r.Float64(352), r.Float64(360), r.Float64(368)],
            QOffset = [r.Float64(376), r.Float64(384), r.Float64(392)],
            SRows = Rows(i => r.Float64(400 + 8 * i)),
            SpaceUnit = (NiftiSpaceUnit)(units & 0x07),
            TimeUnit = (NiftiTimeUnit)(units & 0x38),
            IntentCode = (short)r.Int32(504),
            IntentName = r.Ascii(508, 16),
        };
    }

    private static long[] Dims(long[] dim, string fileName)
    {
        if (dim[0] is < 1 or > 7)
        {
            throw new FormatReadException(fileName, $"dim[0] is {dim[0]}; a NIfTI image has 1 to 7 dimensions.");
        }
        var shape = dim.Skip(1).Take((int)dim[0]).ToArray();
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] < 0)
            {
                throw new FormatReadException(fileName, $"dim[{i + 1}] is {shape[i]}; dimensions cannot be negative.");
            }
        }
        return shape;
    }

    private static double[,] Rows(Func<int, double> value)
    {
        var rows = new double[3, 4];
        for (int i = 0; i < 12; i++)
        {
            rows[i / 4, i % 4] = value(i);
        }
        return rows;
    }

    private static string Printable(string s) => new([.. s.Select(c => char.IsControl(c) || c > 126 ? '?' : c)]);

    private static Stream OpenFile(string path, string name)
    {
        try
        {
            return new GzipAware(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan), name);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new FormatReadException(name, "file not found.", e);
        }
    }

    private static GzipAware Wrap(Stream stream, string fileName) => stream as GzipAware ?? new GzipAware(stream, fileName);

    private static long? SeekableLength(string path, Stream opened) =>
        opened is GzipAware { IsCompressed: true } ? null : new FileInfo(path).Length;

    private static string ImagePathFor(string headerPath, string name)
    {
        var stem = headerPath.EndsWith(".hdr.gz", StringComparison.OrdinalIgnoreCase) ? headerPath[..^7]
            : headerPath.EndsWith(".hdr", StringComparison.OrdinalIgnoreCase) ? headerPath[..^4]
            : throw new FormatReadException(name, "this is the header of a .hdr/.img pair; name it .hdr so its .img can be found.");
        foreach (var candidate in new[] { stem + ".img", stem + ".img.gz", stem + ".IMG" })
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new FormatReadException(name, $"the image file {Path.GetFileName(stem)}.img for this .hdr is missing.");
    }

    /// <summary>Reads header fields at fixed offsets in either byte order.</summary>
    private readonly struct HeaderFields(byte[] bytes, bool bigEndian)
    {
        public byte Byte(int offset) => bytes[offset];

        public short Int16(int offset) => bigEndian ? BinaryPrimitives.ReadInt16BigEndian(bytes.AsSpan(offset)) : BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(offset));

        public int Int32(int offset) => bigEndian ? BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(offset)) : BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(offset));

        public long Int64(int offset) => bigEndian ? BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(offset)) : BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(offset));

        public float Float32(int offset) => bigEndian ? BinaryPrimitives.ReadSingleBigEndian(bytes.AsSpan(offset)) : BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(offset));

        public double Float64(int offset) => bigEndian ? BinaryPrimitives.ReadDoubleBigEndian(bytes.AsSpan(offset)) : BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(offset));

        public string Ascii(int offset, int length)
        {
            var span = bytes.AsSpan(offset, length);
            int end = span.IndexOf((byte)0);
            return Encoding.Latin1.GetString(end < 0 ? span : span[..end]);
        }
    }

    /// <summary>A stream that transparently gunzips and remembers whether it did.</summary>
    private sealed class GzipAware : Stream
    {
        private readonly Stream _inner;

        public GzipAware(Stream stream, string fileName)
        {
            try
            {
                var wrapped = StreamReading.WrapMaybeGzip(stream);
                IsCompressed = wrapped is System.IO.Compression.GZipStream;
                KnownLength = !IsCompressed && stream.CanSeek ? stream.Length : null;
                _inner = wrapped;
            }
            catch (IOException e)
            {
                throw new FormatReadException(fileName, "the file could not be read: " + e.Message, e);
            }
        }

        public bool IsCompressed { get; }

        /// <summary>Byte length of an uncompressed seekable source; null otherwise.</summary>
        public long? KnownLength { get; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) => _inner.Read(buffer);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
