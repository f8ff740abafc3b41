using NeuroLab.Formats.Gifti;
using NeuroLab.Formats.Images;
using NeuroLab.Formats.Matlab;
using NeuroLab.Formats.Nifti;
using NeuroLab.Formats.Numpy;
using NeuroLab.Formats.Tabular;

namespace NeuroLab.Formats.Inspection;

/// <summary>
/// Opens a file with the reader for its detected format and describes it (<see cref="FileInspection"/>).
/// Anything wrong with the file surfaces as <see cref="FormatReadException"/> naming the file. Memory stays within
/// <see cref="InspectionLimits"/> whatever the file's header declares: NIfTI, NumPy and image data are checked in a
/// streaming pass; formats decoded whole must fit the budget.
/// </summary>
public static class FileInspector
{
    /// <summary>Summary key of a GIFTI inspection listing the data files its ExternalFileBinary arrays were read from (user file names, a string array).</summary>
    public const string ExternalFilesKey = "externalDataFiles";

    /// <summary>
    /// Inspects <paramref name="path"/>; <paramref name="fileName"/> is the name shown in messages. A GIFTI file's
    /// ExternalFileBinary data are read only from <paramref name="externalFiles"/> (the user's own files uploaded or
    /// imported with it), never from beside <paramref name="path"/>.
    /// </summary>
    public static FileInspection Inspect(string path, string fileName, InspectionLimits? limits = null, GiftiExternalFiles? externalFiles = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        limits ??= InspectionLimits.Default;
        var format = FormatDetector.Detect(path);
        // A file named .onnx goes to the ONNX reader whatever its head looks like, so the refusal says what is wrong with it.
        format = fileName.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) && format is not "corrupt-gzip" ? "onnx" : format;
        try
        {
            return format switch
            {
                "nifti" => InspectNifti(path, fileName, limits),
                "corrupt-gzip" => throw new FormatReadException(fileName, "the file starts like gzip but its compressed data is damaged."),
                "unknown" => throw new FormatReadException(fileName, "unknown file format: expected NIfTI, GIFTI, NumPy .npy/.npz, MATLAB .mat, PNG/JPEG, or a TSV/CSV/text table."),
                "gifti" => InspectGifti(path, fileName, limits, externalFiles ?? GiftiExternalFiles.None),
                _ => InspectOther(format, path, fileName, limits),
            };
        }
        catch (IOException e)
        {
            // The exception's message names the path on the server; say only what happened.
            throw new FormatReadException(fileName, $"the stored file could not be read ({e.GetType().Name}); upload it again.", e);
        }
        catch (FormatReadException e) when (e.FileName != fileName && !e.FileName.StartsWith(fileName, StringComparison.Ordinal))
        {
            // Readers opened by path name the file on disk (a content-store blob); messages name the user's file.
            throw new FormatReadException(fileName, e.Reason, e);
        }
    }

    private static FileInspection InspectNifti(string path, string fileName, InspectionLimits limits)
    {
        // One streaming pass over all voxels validates sizes and data (the header alone would miss truncation).
        var image = StreamedArray.Nifti(path, fileName, limits, out var h);
        bool volume = h.Shape.Count <= 3 || h.Shape.Skip(3).All(d => d == 1);
        var stats = Statistics(image, countDistinct: volume);
        var warnings = new List<string>();
        if (image.IsFloating && stats.NonFinite > 0)
        {
            warnings.Add($"{stats.NonFinite:N0} voxels are NaN or infinite.");
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
        if (volume)
        {
            // Few distinct values in a 3-D volume mean a mask (2) or a label atlas (a few hundred at most).
            summary["distinctValues"] = stats.Distinct is { } distinct ? distinct : "over 1000";
            if (stats.Distinct is <= 2)
            {
                summary["binary"] = true;
            }
        }
        // The range in the values people see: scl_slope/scl_inter applied (as in the preview and histogram).
        AddRange(summary, stats, h.HasScaling ? h.SclSlope : 1, h.HasScaling && !double.IsNaN(h.SclInter) ? h.SclInter : 0);
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
            Dtype = NumericTypes.Name(image.Type),
            Affine = h.BestAffine(),
            VoxelSize = h.VoxelSize,
            Summary = summary,
            Warnings = warnings,
        };
    }

    /// <summary>Stored values' running statistics (raw, before any NIfTI scaling), in one streaming pass.</summary>
    private static ValueStatistics Statistics(StreamedArray array, bool countDistinct = false)
    {
        var stats = new ValueStatistics(countDistinct);
        array.Scan((_, values) =>
        {
            stats.Add(values);
            return true;
        });
        return stats;
    }

    /// <summary>Adds min, max and mean (after value = stored x slope + inter), to 6 significant digits.</summary>
    private static void AddRange(Dictionary<string, object?> summary, ValueStatistics stats, double slope = 1, double inter = 0)
    {
        // Only finite numbers go into the summary: it is stored and served as JSON.
        if (stats.Finite > 0)
        {
            double low = stats.Min * slope + inter, high = stats.Max * slope + inter;
            summary["min"] = Significant(Math.Min(low, high));
            summary["max"] = Significant(Math.Max(low, high));
            summary["mean"] = Significant(stats.Mean * slope + inter);
        }

        static double Significant(double v) => double.Parse(v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static FileInspection InspectOther(string format, string path, string fileName, InspectionLimits limits) => format switch
    {
        "npy" => FromStreamed("npy", StreamedArray.Npy(path, fileName, limits), []),
        "npz" => InspectNpz(path, fileName, limits),
        "torchscript" => InspectTorchScript(path, fileName),
        "onnx" => InspectOnnx(path, fileName, limits),
        "pytorch-pickle" => throw new FormatReadException(fileName,
            "a torch.save file (weights or a pickled module), not a TorchScript model; save the model with torch.jit.script(model).save(path) or torch.jit.trace(model, example).save(path)."),
        "mat" or "hdf5" => InspectMat(path, fileName, limits),
        "image" => InspectImage(path, fileName, limits),
        "events-tsv" => InspectEvents(path, limits),
        _ => InspectText(path, fileName, limits),
    };

    private static FileInspection FromStreamed(string format, StreamedArray array, Dictionary<string, object?> summary)
    {
        var stats = Statistics(array);
        var warnings = new List<string>();
        if (array.IsFloating && stats.NonFinite > 0)
        {
            warnings.Add($"{stats.NonFinite:N0} of {stats.Count:N0} values are NaN or infinite.");
        }
        summary["order"] = array.Order == ArrayOrder.C ? "C" : "Fortran";
        AddRange(summary, stats);
        return new FileInspection { Format = format, Shape = array.Shape, Dtype = NumericTypes.Name(array.Type), Summary = summary, Warnings = warnings };
    }

    private static FileInspection FromArray(string format, NumericArray array, Dictionary<string, object?> summary)
    {
        var warnings = new List<string>();
        if (array.Type is NumericType.Float32 or NumericType.Float64 or NumericType.Complex64 or NumericType.Complex128)
        {
            long nonFinite = 0;
            for (long i = 0; i < array.Length; i++)
            {
                nonFinite += double.IsFinite(array.GetDouble(i)) ? 0 : 1;
            }
            if (nonFinite > 0)
            {
                warnings.Add($"{nonFinite:N0} of {array.Length:N0} values are NaN or infinite.");
            }
        }
        summary["order"] = array.Order == ArrayOrder.C ? "C" : "Fortran";
        return new FileInspection { Format = format, Shape = array.Shape, Dtype = NumericTypes.Name(array.Type), Summary = summary, Warnings = warnings };
    }

    /// <summary>An ONNX model: read whole (within the inspection budget) and described by its graph's inputs and outputs.</summary>
    private static FileInspection InspectOnnx(string path, string fileName, InspectionLimits limits)
    {
        limits.CheckWhole(fileName, new FileInfo(path).Length, "an ONNX model");
        var graph = Onnx.OnnxGraph.Read(File.ReadAllBytes(path), fileName);
        var summary = new Dictionary<string, object?>
        {
            ["irVersion"] = graph.IrVersion,
            ["inputs"] = graph.Inputs.Select(i => $"{i.Name} {i.ElementTypeName} [{string.Join("x", i.Shape?.Select(d => d?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?") ?? [])}]").ToArray(),
            ["outputs"] = graph.Outputs.ToArray(),
            ["nodeOutputs"] = graph.NodeOutputs.Count,
        };
        return new FileInspection { Format = "onnx", Summary = summary, Warnings = [] };
    }

    private static FileInspection InspectTorchScript(string path, string fileName)
    {
        System.IO.Compression.ZipArchive zip;
        try
        {
            zip = System.IO.Compression.ZipFile.OpenRead(path);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException)
        {
            throw new FormatReadException(fileName, $"a damaged TorchScript archive ({e.Message}).");
        }
        using var archive = zip;
        var root = zip.Entries[0].FullName.Split('/')[0];
        var summary = new Dictionary<string, object?>
        {
            ["archive"] = root,
            ["entries"] = zip.Entries.Count,
            ["codeFiles"] = zip.Entries.Count(e => e.FullName.Contains("/code/", StringComparison.Ordinal) && e.FullName.EndsWith(".py", StringComparison.Ordinal)),
            ["tensorBytes"] = zip.Entries.Where(e => e.FullName.StartsWith(root + "/data/", StringComparison.Ordinal)).Sum(e => e.Length),
        };
        return new FileInspection { Format = "torchscript", Summary = summary };
    }

    private static FileInspection InspectNpz(string path, string fileName, InspectionLimits limits)
    {
        var entries = StreamedArray.NpzEntries(path, fileName, limits);
        var summary = new Dictionary<string, object?> { ["variables"] = string.Join(", ", entries.Select(e => $"{e.Name} {e.Array.ShapeText} {NumericTypes.Name(e.Array.Type)}")) };
        if (entries.Count == 0)
        {
            return new FileInspection { Format = "npz", Summary = summary };
        }
        // Every entry's data is streamed once, so a damaged entry is found; the largest describes the file.
        var largest = entries.MaxBy(e => e.Array.Length).Array;
        foreach (var (_, array) in entries.Where(e => !ReferenceEquals(e.Array, largest)))
        {
            Statistics(array);
        }
        return FromStreamed("npz", largest, summary);
    }

    private static FileInspection InspectMat(string path, string fileName, InspectionLimits limits)
    {
        // MAT-files are decoded whole (compressed variables, HDF5 chunks), so they must fit the memory budget.
        var mat = MatReader.Read(path, limits.Whole);
        var numeric = mat.Variables.Where(v => v.Value is MatNumeric).OrderByDescending(v => v.Value.Count).ToList();
        var summary = new Dictionary<string, object?>
        {
            ["matVersion"] = mat.Version == 73 ? "7.3 (HDF5)" : "5",
            ["variables"] = string.Join(", ", mat.Variables.Select(v => $"{v.Key} [{v.Value.ShapeText}] {v.Value.ClassName}")),
        };
        var warnings = mat.Unsupported.Select(u => $"variable '{u.Name}' was skipped: {u.Reason}").Concat(mat.Warnings).ToList();
        if (mat.Variables.Count == 0)
        {
            throw new FormatReadException(fileName, "the MAT-file holds no variables NeuroLab can read" + (warnings.Count > 0 ? $" ({string.Join("; ", warnings)})." : "."));
        }
        var main = numeric.Count > 0 ? ((MatNumeric)numeric[0].Value).Array : null;
        return new FileInspection
        {
            Format = "mat",
            Shape = main?.Shape,
            Dtype = main is null ? null : NumericTypes.Name(main.Type),
            Summary = summary,
            Warnings = warnings,
        };
    }

    private static FileInspection InspectGifti(string path, string fileName, InspectionLimits limits, GiftiExternalFiles externalFiles)
    {
        // GIFTI data arrays are decoded whole (base64, zlib), so all of them together must fit the memory budget.
        // Read from a stream: external data files come only from the user's own upload, never from beside a stored file.
        GiftiFile gifti;
        var whole = limits.Whole;
        using (var stream = File.OpenRead(path))
        {
            gifti = GiftiReader.Read(stream, fileName, whole, whole.MaxArrayBytes, externalFiles);
        }
        var summary = new Dictionary<string, object?>
        {
            ["dataArrays"] = string.Join(", ", gifti.DataArrays.Select(a => $"{a.Intent} {a.Array.ShapeText}")),
            ["vertices"] = gifti.VertexCount,
        };
        if (gifti.Triangles is { } triangles)
        {
            summary["triangles"] = triangles.Shape[0];
        }
        if (gifti.DataArrays.Select(a => a.ExternalFile).OfType<string>().Distinct().ToList() is { Count: > 0 } external)
        {
            summary[ExternalFilesKey] = external.ToArray();
        }
        var main = gifti.PointsetArray?.Array ?? gifti.DataArrays.FirstOrDefault()?.Array;
        return new FileInspection { Format = "gifti", Shape = main?.Shape, Dtype = main is null ? null : NumericTypes.Name(main.Type), Summary = summary };
    }

    private static FileInspection InspectImage(string path, string fileName, InspectionLimits limits)
    {
        var info = ImageReader.ReadInfo(path);
        CheckImage(fileName, info, limits);
        // Decoding every row once proves the pixel data is intact, not only the header; only a row is held.
        ImageSampler.Sample(path, fileName, info, 64);
        return new FileInspection
        {
            Format = "image",
            Shape = [info.Height, info.Width, info.Channels],
            Dtype = info.BitDepth > 8 ? "uint16" : "uint8",
            Summary = new Dictionary<string, object?> { ["imageFormat"] = info.Format.ToString(), ["color"] = info.ColorModel },
        };
    }

    /// <summary>
    /// An image's declared size against the limits: its decoded size (float32 [height, width, channels], as
    /// <see cref="ImageReader"/> returns it) against the decoded limit, and for progressive JPEGs, whose coefficients the
    /// decoder holds whole, 6 bytes a pixel against the memory budget (interlaced PNGs are streamed pass by pass).
    /// </summary>
    internal static void CheckImage(string fileName, ImageInfo info, InspectionLimits limits)
    {
        string what = $"the {info.Width}x{info.Height} {info.Format} image";
        limits.CheckDecoded(fileName, (long)info.Width * info.Height * info.Channels * 4, what);
        // Streaming holds two rows (the current and the previous, up to 8 bytes a pixel for 16-bit RGBA): a picture
        // one row high and hundreds of millions wide must fit the budget too.
        limits.CheckWhole(fileName, (long)info.Width * 16, $"one row of {what}");
        if (info.MultiPass && info.Format == ImageFormat.Jpeg)
        {
            // libjpeg holds a progressive JPEG's coefficients for the whole image (2 bytes a sample, 3 samples a pixel at most).
            limits.CheckWhole(fileName, (long)info.Width * info.Height * 6, $"{what} (progressive)");
        }
    }

    private static FileInspection InspectEvents(string path, InspectionLimits limits)
    {
        var table = BidsEventsReader.Read(path, limits.Whole);
        return new FileInspection
        {
            Format = "events-tsv",
            Shape = [table.Events.Count, table.Columns.Count],
            Summary = new Dictionary<string, object?>
            {
                ["events"] = table.Events.Count,
                ["trialTypes"] = string.Join(", ", table.TrialTypes),
                ["columns"] = string.Join(", ", table.Columns),
            },
        };
    }

    /// <summary>Numeric text becomes a matrix; other text (labels, READMEs) is kept as text.</summary>
    private static FileInspection InspectText(string path, string fileName, InspectionLimits limits)
    {
        try
        {
            // Text tables are parsed whole into float64, so they must fit the memory budget.
            var matrix = DelimitedMatrixReader.Read(path, new DelimitedMatrixOptions { Limits = limits.Whole });
            var summary = new Dictionary<string, object?> { ["separator"] = matrix.Separator.ToString() };
            if (matrix.ColumnNames is { Count: > 0 } names)
            {
                summary["columns"] = names.Count > 8 ? string.Join(", ", names.Take(8)) + ", …" : string.Join(", ", names);
            }
            return FromArray("matrix", matrix.Values, summary) with { Format = "matrix" };
        }
        catch (FormatReadException e) when (!e.Reason.Contains("NeuroLab:Uploads:", StringComparison.Ordinal))
        {
            // Not a numeric table (a limit is an answer, not a reason to call the file text).
            var info = new FileInfo(path);
            if (info.Length > 16 << 20)
            {
                throw new FormatReadException(fileName, "a text file larger than 16 MB that is not a numeric table; NeuroLab cannot use it.");
            }
            var lines = File.ReadLines(path).Take(100_000).Count();
            return new FileInspection { Format = "text", Shape = [lines], Summary = new Dictionary<string, object?> { ["lines"] = lines } };
        }
    }
}
