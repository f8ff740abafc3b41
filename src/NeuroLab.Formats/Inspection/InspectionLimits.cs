namespace NeuroLab.Formats.Inspection;

/// <summary>
/// What inspecting and previewing an untrusted file may cost (docs/security.md, "Decompression bombs").
/// A small compressed file can declare gigabytes of data, so two bounds hold whatever a header claims:
/// <list type="bullet">
/// <item><see cref="MaxDecodedBytes"/>: the largest decoded size accepted at all; a file declaring more is refused
/// with a message naming the setting, before anything is decoded.</item>
/// <item><see cref="MemoryBudgetBytes"/>: the most memory one inspection or preview may hold. NIfTI, NumPy
/// (.npy/.npz) and PNG/JPEG data are streamed through fixed-size buffers (running counts, a sampled slice, a
/// box-averaged thumbnail), so their memory does not grow with the decoded size. Formats that can only be decoded
/// whole (GIFTI, MATLAB .mat, text tables, progressive JPEGs) must fit in the
/// budget, or are refused with a message naming it.</item>
/// </list>
/// </summary>
public sealed record InspectionLimits
{
    /// <summary>2 GiB decoded, 256 MiB of working memory.</summary>
    public static InspectionLimits Default { get; } = new();

    /// <summary>Largest decoded size of one file's data (all arrays together), in bytes.</summary>
    public long MaxDecodedBytes { get; init; } = 2L << 30;

    /// <summary>Most memory one inspection or preview may hold, in bytes.</summary>
    public long MemoryBudgetBytes { get; init; } = 256L << 20;

    /// <summary>Per-array limits of the decoded size (streamed formats).</summary>
    internal ReadLimits Decoded => new() { MaxArrayBytes = MaxDecodedBytes, Setting = "NeuroLab:Uploads:MaxDecodedBytes" };

    /// <summary>Limits for formats decoded whole: the budget, or the decoded limit when that is smaller.</summary>
    internal ReadLimits Whole => MemoryBudgetBytes < MaxDecodedBytes
        ? new() { MaxArrayBytes = MemoryBudgetBytes, MaxTotalBytes = MemoryBudgetBytes, Setting = "NeuroLab:Uploads:InspectionMemoryBytes: the inspection memory budget for formats decoded whole; large arrays are best saved as .npy or NIfTI" }
        : Decoded with { MaxTotalBytes = MaxDecodedBytes };

    /// <summary>Checks a declared decoded size of a whole-decoded format against both bounds.</summary>
    internal void CheckWhole(string fileName, long bytes, string what)
    {
        CheckDecoded(fileName, bytes, what);
        if (bytes > MemoryBudgetBytes)
        {
            throw new FormatReadException(fileName,
                $"{what} needs {Mib(bytes)} in memory to check, over the inspection budget of {Mib(MemoryBudgetBytes)} (NeuroLab:Uploads:InspectionMemoryBytes); {Advice(what)}");
        }
    }

    /// <summary>Checks a declared decoded size against <see cref="MaxDecodedBytes"/>.</summary>
    internal void CheckDecoded(string fileName, long bytes, string what)
    {
        if (bytes > MaxDecodedBytes)
        {
            throw new FormatReadException(fileName,
                $"{what} declares {Mib(bytes)} of decoded data, over the limit of {Mib(MaxDecodedBytes)} (NeuroLab:Uploads:MaxDecodedBytes).");
        }
    }

    internal static string Mib(long bytes) => bytes >= 1L << 20 ? $"{bytes / (double)(1 << 20):N0} MiB" : $"{bytes:N0} bytes";

    private static string Advice(string what) => what switch
    {
        _ when what.Contains("progressive", StringComparison.Ordinal) => "save it as a PNG or a baseline JPEG, which are checked row by row.",
        _ when what.Contains("ONNX", StringComparison.Ordinal) => "models are read whole; export a smaller network.",
        _ => "save large arrays as .npy or NIfTI, which are checked in a streaming pass.",
    };
}
