using NeuroLab.Data.Datasets;

namespace NeuroLab.Compute.Datasets;

/// <summary>A first guess at a file's role from its format, shape and name; the user confirms or changes it.</summary>
public static class RoleGuesser
{
    public static FileRole Guess(string fileName, InspectionDocument inspection)
    {
        ArgumentNullException.ThrowIfNull(inspection);
        var name = fileName.ToLowerInvariant();
        return inspection.Format switch
        {
            "nifti" when inspection.Shape is { Count: >= 4 } s && s[3] > 1 => FileRole.Run,
            "nifti" when name.Contains("mask", StringComparison.Ordinal) || name.Contains("roi", StringComparison.Ordinal) || Flag(inspection, "binary") => FileRole.Mask,
            "nifti" when name.Contains("atlas", StringComparison.Ordinal) || name.Contains("aal", StringComparison.Ordinal) => FileRole.Atlas,
            "nifti" => FileRole.Anatomy,
            "events-tsv" => FileRole.Events,
            "torchscript" or "onnx" => FileRole.Model,
            "image" => FileRole.StimulusImages,
            "gifti" when name.Contains("curv", StringComparison.Ordinal) || name.Contains("sulc", StringComparison.Ordinal) || name.Contains("thick", StringComparison.Ordinal) => FileRole.SurfaceData,
            "gifti" => FileRole.Surface,
            "npy" or "mat" or "npz" when name.Contains("rdm", StringComparison.Ordinal) && (name.Contains("model", StringComparison.Ordinal) || name.Contains("categor", StringComparison.Ordinal)) => FileRole.ModelRdm,
            "npy" or "mat" or "npz" when name.Contains("rdm", StringComparison.Ordinal) => FileRole.BrainRdm,
            "matrix" when name.EndsWith(".1d", StringComparison.Ordinal) || name.EndsWith(".1d.gz", StringComparison.Ordinal) || name.Contains("rois", StringComparison.Ordinal) || name.Contains("timeseries", StringComparison.Ordinal) => FileRole.RegionTimeSeries,
            "npy" or "mat" or "matrix" or "npz" when name.Contains("feature", StringComparison.Ordinal) => FileRole.Features,
            "npy" or "mat" or "matrix" or "npz" when name.Contains("trial", StringComparison.Ordinal) || name.Contains("big", StringComparison.Ordinal) => FileRole.Trials,
            "npy" or "mat" or "matrix" or "npz" when name.Contains("stim", StringComparison.Ordinal) || name.Contains("input", StringComparison.Ordinal) || name.Contains("scene", StringComparison.Ordinal) => FileRole.StimulusImages,
            "npy" or "mat" or "matrix" or "npz" => FileRole.Responses,
            "text" when name.EndsWith(".txt", StringComparison.Ordinal) && (name.Contains("label", StringComparison.Ordinal) || name.Contains(".nii", StringComparison.Ordinal)) => FileRole.AtlasLabels,
            _ => FileRole.Other,
        };
    }

    private static bool Flag(InspectionDocument inspection, string key) =>
        inspection.Summary is { } summary && summary.TryGetValue(key, out var value) && value.ValueKind == System.Text.Json.JsonValueKind.True;
}
