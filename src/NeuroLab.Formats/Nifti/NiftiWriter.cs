using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace NeuroLab.Formats.Nifti;

/// <summary>
/// Writes single-file NIfTI-1 images (little-endian; gzip when the path ends in <c>.gz</c>), e.g. per-voxel
/// result maps in a dataset's space. The affine is stored as the sform and, decomposed into a quaternion,
/// as the qform, both with the given code (2 = aligned to an anatomical scan, 4 = MNI152).
/// </summary>
public static class NiftiWriter
{
    /// <summary>Writes <paramref name="data"/> (Fortran order, shape [x, y, z(, t...)]) with <paramref name="affine"/> (4x4).</summary>
    public static void Write(string path, NumericArray data, double[,] affine, NiftiWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var temp = path + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
                {
                    using var gzip = new GZipStream(file, CompressionLevel.Fastest);
                    Write(gzip, data, affine, options);
                }
                else
                {
                    Write(file, data, affine, options);
                }
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>Writes an uncompressed NIfTI-1 single file to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, NumericArray data, double[,] affine, NiftiWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(data);
        if (data.Rank > 1 && data.Order != ArrayOrder.Fortran)
        {
            throw new ArgumentException("NIfTI stores voxels with x varying fastest: pass the array in Fortran order.", nameof(data));
        }
        WriteHeader(stream, data.Shape, data.Type, affine, options);
        var bytes = data.AsBytesSpan();
        if (!BitConverter.IsLittleEndian)
        {
            var copy = bytes.ToArray();
            StreamReading.ReverseEndianness(copy, NumericTypes.IsComplex(data.Type) ? NumericTypes.SizeOf(data.Type) / 2 : NumericTypes.SizeOf(data.Type));
            stream.Write(copy);
        }
        else
        {
            stream.Write(bytes);
        }
    }

    /// <summary>
    /// Writes only the 352-byte header (vox_offset 352) for an image of <paramref name="shape"/> and
    /// <paramref name="type"/>, so callers can stream the voxel data after it (e.g. a long 4-D run volume by volume,
    /// little-endian, x fastest).
    /// </summary>
    public static void WriteHeader(Stream stream, IReadOnlyList<long> shape, NumericType type, double[,] affine, NiftiWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(affine);
        options ??= new NiftiWriteOptions();
        if (shape.Count is < 1 or > 7)
        {
            throw new ArgumentException($"NIfTI images have 1 to 7 dimensions; this shape has {shape.Count}.", nameof(shape));
        }
        if (shape.Any(d => d is < 1 or > short.MaxValue))
        {
            throw new ArgumentException($"Shape [{string.Join(", ", shape)}] needs 1 to 32767 per dimension in NIfTI-1.", nameof(shape));
        }
        if (affine.GetLength(0) != 4 || affine.GetLength(1) != 4)
        {
            throw new ArgumentException("The affine must be 4x4.", nameof(affine));
        }
        var header = new byte[352];
        var h = header.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(h, 348);
        BinaryPrimitives.WriteInt16LittleEndian(h[40..], (short)shape.Count);
        for (int i = 0; i < 7; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(h[(42 + 2 * i)..], (short)(i < shape.Count ? shape[i] : 1));
        }
        BinaryPrimitives.WriteInt16LittleEndian(h[68..], options.IntentCode);
        BinaryPrimitives.WriteInt16LittleEndian(h[70..], NiftiDataTypes.CodeFor(type));
        BinaryPrimitives.WriteInt16LittleEndian(h[72..], (short)(NumericTypes.SizeOf(type) * 8));

        var (quaternion, zooms, qfac) = Decompose(affine);
        WriteFloat(h, 76, qfac);
        for (int i = 0; i < 3; i++)
        {
            WriteFloat(h, 80 + 4 * i, zooms[i]);
        }
        WriteFloat(h, 92, options.RepetitionTimeSeconds ?? (shape.Count > 3 ? 1 : 0));
        for (int i = 5; i < 8; i++)
        {
            WriteFloat(h, 76 + 4 * i, 1);
        }
        WriteFloat(h, 108, 352);
        WriteFloat(h, 112, 1);
        WriteFloat(h, 116, 0);
        h[123] = (byte)((int)NiftiSpaceUnit.Millimeter | (int)NiftiTimeUnit.Second);
        var description = Encoding.ASCII.GetBytes(options.Description.Length > 79 ? options.Description[..79] : options.Description);
        description.CopyTo(h[148..]);
        BinaryPrimitives.WriteInt16LittleEndian(h[252..], options.XFormCode);
        BinaryPrimitives.WriteInt16LittleEndian(h[254..], options.XFormCode);
        for (int i = 0; i < 3; i++)
        {
            WriteFloat(h, 256 + 4 * i, quaternion[i]);
            WriteFloat(h, 268 + 4 * i, affine[i, 3]);
        }
        for (int r = 0; r < 3; r++)
        {
            for (int c = 0; c < 4; c++)
            {
                WriteFloat(h, 280 + 16 * r + 4 * c, affine[r, c]);
            }
        }
        Encoding.ASCII.GetBytes("n+1\0").CopyTo(h[344..]);
        stream.Write(header);
    }

    private static void WriteFloat(Span<byte> header, int offset, double value) =>
        BinaryPrimitives.WriteSingleLittleEndian(header[offset..], (float)value);

    /// <summary>
    /// Splits the 3x3 part of an affine into voxel sizes, qfac and a rotation quaternion (b, c, d with a ≥ 0),
    /// following the NIfTI-1 qform convention (nifti1_io.c nifti_mat44_to_quatern).
    /// </summary>
    internal static (double[] Quaternion, double[] Zooms, double Qfac) Decompose(double[,] affine)
    {
        var m = new double[3, 3];
        var zooms = new double[3];
        for (int j = 0; j < 3; j++)
        {
            zooms[j] = Math.Sqrt(affine[0, j] * affine[0, j] + affine[1, j] * affine[1, j] + affine[2, j] * affine[2, j]);
            double z = zooms[j] == 0 ? 1 : zooms[j];
            for (int i = 0; i < 3; i++)
            {
                m[i, j] = affine[i, j] / z;
            }
        }
        double det = m[0, 0] * (m[1, 1] * m[2, 2] - m[1, 2] * m[2, 1]) - m[0, 1] * (m[1, 0] * m[2, 2] - m[1, 2] * m[2, 0]) + m[0, 2] * (m[1, 0] * m[2, 1] - m[1, 1] * m[2, 0]);
        double qfac = 1;
        if (det < 0)
        {
            qfac = -1;
            for (int i = 0; i < 3; i++)
            {
                m[i, 2] = -m[i, 2];
            }
        }
        double a = m[0, 0] + m[1, 1] + m[2, 2] + 1, b, c, d;
        if (a > 0.5)
        {
            a = 0.5 * Math.Sqrt(a);
            b = 0.25 * (m[2, 1] - m[1, 2]) / a;
            c = 0.25 * (m[0, 2] - m[2, 0]) / a;
            d = 0.25 * (m[1, 0] - m[0, 1]) / a;
        }
        else
        {
            double xd = 1.0 + m[0, 0] - (m[1, 1] + m[2, 2]);
            double yd = 1.0 + m[1, 1] - (m[0, 0] + m[2, 2]);
            double zd = 1.0 + m[2, 2] - (m[0, 0] + m[1, 1]);
            if (xd > 1.0)
            {
                b = 0.5 * Math.Sqrt(xd);
                c = 0.25 * (m[0, 1] + m[1, 0]) / b;
                d = 0.25 * (m[0, 2] + m[2, 0]) / b;
                a = 0.25 * (m[2, 1] - m[1, 2]) / b;
            }
            else if (yd > 1.0)
            {
                c = 0.5 * Math.Sqrt(yd);
                b = 0.25 * (m[0, 1] + m[1, 0]) / c;
                d = 0.25 * (m[1, 2] + m[2, 1]) / c;
                a = 0.25 * (m[0, 2] - m[2, 0]) / c;
            }
            else
            {
                d = 0.5 * Math.Sqrt(zd);
                b = 0.25 * (m[0, 2] + m[2, 0]) / d;
                c = 0.25 * (m[1, 2] + m[2, 1]) / d;
                a = 0.25 * (m[1, 0] - m[0, 1]) / d;
            }
            if (a < 0)
            {
                b = -b;
                c = -c;
                d = -d;
            }
        }
        return ([b, c, d], zooms, qfac);
    }
}

/// <summary>Options for <see cref="NiftiWriter"/>.</summary>
public sealed record NiftiWriteOptions
{
    /// <summary>qform_code and sform_code written (1 scanner, 2 aligned, 3 Talairach, 4 MNI152).</summary>
    public short XFormCode { get; init; } = 2;

    /// <summary>pixdim[4] in seconds for 4-D images.</summary>
    public double? RepetitionTimeSeconds { get; init; }

    /// <summary>NIfTI intent code (0 none, 3 t-test, 1002 label, ...).</summary>
    public short IntentCode { get; init; }

    /// <summary>The descrip field (at most 79 ASCII characters).</summary>
    public string Description { get; init; } = "NeuroLab";
}
