using NeuroLab.Formats.Nifti;

namespace NeuroLab.Formats.Inspection;

/// <summary>
/// Opens a file with the reader for its detected format and describes it (<see cref="FileInspection"/>).
/// Anything wrong with the file surfaces as <see cref="FormatReadException"/> naming the file.
/// </summary>
public static class FileInspector
{
    /// <summary>Inspects <paramref name="path"/>; <paramref name="fileName"/> is the name shown in messages.</summary>
    public static FileInspection Inspect(string path, string fileName, ReadLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        limits ??= ReadLimits.Default;
        var format = FormatDetector.Detect(path);
        try
        {
            return format switch
            {
                "nifti" => InspectNifti(path, fileName, limits),
                "corrupt-gzip" => throw new FormatReadException(fileName, "the file starts like gzip but its compressed data is damaged."),
                "unknown" => throw new FormatReadException(fileName, "unknown file format: expected NIfTI, GIFTI, NumPy .npy/.npz, MATLAB .mat, PNG/JPEG, or a TSV/CSV/text table."),
                _ => InspectOther(format, path, fileName, limits),
            };
        }
        catch (IOException e)
        {
            throw new FormatReadException(fileName, "the file could not be read: " + e.Message, e);
        }
    }

    private static FileInspection InspectNifti(string path, string fileName, ReadLimits limits)
    {
        // Reading the whole image validates sizes and data; the header alone would miss truncation.
        var image = ReadNifti(path, fileName, limits);
        var h = image.Header;
        var warnings = new List<string>();
        if (image.Data.Type is NumericType.Float32 or NumericType.Float64)
        {
            var values = image.Data.ToFloat64();
            long nonFinite = values.LongCount(v => !double.IsFinite(v));
            if (nonFinite > 0)
            {
                warnings.Add($"{nonFinite:N0} voxels are NaN or infinite.");
            }
        }
        var summary = new Dictionary<string, object?>
        {
            ["niftiVersion"] = h.Version,
            ["orientation"] = h.OrientationCodes(),
            ["affineSource"] = h.BestAffineSource,
            ["qformCode"] = h.QFormCode,
            ["sformCode"] = h.SFormCode,
            ["byteOrder"] = h.BigEndian ? "big-endian" : "little-endian",
        };
        if (h.RepetitionTimeSeconds is { } tr)
        {
            summary["repetitionTimeSeconds"] = tr;
            summary["volumes"] = h.Shape.Count > 3 ? h.Shape[3] : 1;
        }
        if (h.HasScaling)
        {
            summary["scaling"] = $"value = stored x {h.SclSlope:G6} + {h.SclInter:G6}";
        }
        if (!string.IsNullOrWhiteSpace(h.Description))
        {
            summary["description"] = h.Description;
        }
        return new FileInspection
        {
            Format = "nifti",
            Shape = h.Shape,
            Dtype = NumericTypes.Name(image.Data.Type),
            Affine = h.BestAffine(),
            VoxelSize = h.VoxelSize,
            Summary = summary,
            Warnings = warnings,
        };
    }

    private static NiftiImage ReadNifti(string path, string fileName, ReadLimits limits)
    {
        using var stream = File.OpenRead(path);
        return NiftiReader.Read(stream, fileName, limits);
    }

    private static FileInspection InspectOther(string format, string path, string fileName, ReadLimits limits) =>
        throw new FormatReadException(fileName, $"{format} files cannot be inspected yet.");
}
