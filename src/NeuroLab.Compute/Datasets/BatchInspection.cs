using NeuroLab.Formats;
using NeuroLab.Formats.Gifti;
using NeuroLab.Formats.Inspection;

namespace NeuroLab.Compute.Datasets;

/// <summary>One file of a batch: the user's name for it and where its bytes are.</summary>
public sealed record BatchFile(string FileName, string LocalPath);

/// <summary>What a batch file turned out to be: an inspection, or why it cannot be used (naming the user's file).</summary>
public sealed record BatchFileResult(BatchFile File, FileInspection? Inspection, FormatReadException? Error);

/// <summary>
/// Inspects the files of one upload request, or the files chosen for one import, together: a GIFTI file's
/// ExternalFileBinary data are looked up among the user's own files of that batch, by the names the user gave
/// them, and nowhere else (never in the content store, whose folders hold every workspace's files). A data file
/// a GIFTI file of the batch reads is described as <see cref="ExternalDataFormat"/> instead of being refused as
/// an unknown format, whichever order the files came in.
/// </summary>
public static class BatchInspection
{
    /// <summary>Format of a raw data file that a GIFTI file of the same batch reads (ExternalFileBinary).</summary>
    public const string ExternalDataFormat = "gifti-external";

    /// <summary>Summary key naming the GIFTI file(s) that read an <see cref="ExternalDataFormat"/> file.</summary>
    public const string DataOfKey = "dataOf";

    /// <summary>The batch's files as the data files a GIFTI file among them may read.</summary>
    public static GiftiExternalFiles ExternalFiles(IEnumerable<BatchFile> files) =>
        GiftiExternalFiles.FromFiles(files.Select(f => KeyValuePair.Create(f.FileName, f.LocalPath)));

    /// <summary>
    /// Inspects every file, in the order given, each through <paramref name="gate"/> on its own (so one large
    /// request does not hold a slot for all its files while other users wait), stopping when cancelled.
    /// </summary>
    public static async Task<IReadOnlyList<BatchFileResult>> InspectAsync(IReadOnlyList<BatchFile> files, InspectionGate gate, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(gate);
        var external = ExternalFiles(files);
        var results = new BatchFileResult[files.Count];
        for (int i = 0; i < files.Count; i++)
        {
            var file = files[i];
            results[i] = await gate.RunAsync(limits =>
            {
                try
                {
                    return new BatchFileResult(file, FileInspector.Inspect(file.LocalPath, file.FileName, limits, external), null);
                }
                catch (FormatReadException e)
                {
                    return new BatchFileResult(file, null, e);
                }
            }, ct);
        }
        var readers = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var r in results)
        {
            if (r.Inspection?.Summary.GetValueOrDefault(FileInspector.ExternalFilesKey) is string[] names)
            {
                foreach (var name in names)
                {
                    (readers.TryGetValue(name, out var list) ? list : readers[name] = []).Add(r.File.FileName);
                }
            }
        }
        for (int i = 0; i < results.Length; i++)
        {
            if (readers.TryGetValue(files[i].FileName, out var giftis) && results[i].Inspection?.Format != "gifti")
            {
                results[i] = new(files[i], new FileInspection
                {
                    Format = ExternalDataFormat,
                    Summary = new Dictionary<string, object?> { [DataOfKey] = giftis.Distinct().ToArray() },
                }, null);
            }
        }
        return results;
    }
}
