using NeuroLab.Data.Datasets;
using NeuroLab.Formats.Inspection;

namespace NeuroLab.Compute.Datasets;

/// <summary>Which formats and shapes fit which file role; a mismatch is reported before anything is saved.</summary>
public static class RoleRules
{
    private static readonly string[] _arrayFormats = ["npy", "npz", "mat", "matrix"];

    /// <summary>Null when <paramref name="inspection"/> fits <paramref name="role"/>, else the reason in plain words.</summary>
    public static string? Check(FileRole role, FileInspection inspection)
    {
        ArgumentNullException.ThrowIfNull(inspection);
        var f = inspection.Format;
        var rank = inspection.Shape?.Count ?? 0;
        var volumes = rank >= 4 ? inspection.Shape![3] : 1;
        return role switch
        {
            not FileRole.Other when f == BatchInspection.ExternalDataFormat => "this is the external data file of a GIFTI surface (its values are folded into the .gii); give it the role Other.",
            FileRole.Model when f is not ("torchscript" or "onnx") => $"a model must be a TorchScript archive (torch.jit.script(model).save(path)) or an ONNX model (.onnx), this is {Describe(inspection)}.",
            not FileRole.Model and not FileRole.Other when f is "torchscript" or "onnx" => $"{Describe(inspection)} takes the role Model.",
            FileRole.Run when f != "nifti" => $"a run must be a 4-D NIfTI image, this is {Describe(inspection)}.",
            FileRole.Run when volumes < 2 => $"a run must be 4-D with several volumes, this image is {Shape(inspection)}.",
            FileRole.Mask or FileRole.Anatomy when f != "nifti" => $"a {role.ToString().ToLowerInvariant()} must be a NIfTI volume, this is {Describe(inspection)}.",
            FileRole.Mask or FileRole.Anatomy when volumes > 1 => $"a {role.ToString().ToLowerInvariant()} must be a single 3-D volume, this image has {volumes} volumes.",
            FileRole.Atlas when f != "nifti" => $"an atlas must be a NIfTI label volume, this is {Describe(inspection)}.",
            FileRole.Atlas when inspection.Dtype is "float32" or "float64" => "an atlas must hold integer region codes; this volume is floating point (a probability map?).",
            FileRole.Events when f != "events-tsv" => $"events must be a BIDS events.tsv with onset and duration columns, this is {Describe(inspection)}.",
            FileRole.AtlasLabels when f is not ("text" or "matrix") => $"atlas labels must be a text file of 'code name' lines, this is {Describe(inspection)}.",
            FileRole.StimulusImages when f is not ("image" or "npy" or "npz" or "mat") => $"stimulus images must be PNG/JPEG files or an image array (.npy/.mat), this is {Describe(inspection)}.",
            FileRole.Responses or FileRole.Trials or FileRole.Features when !_arrayFormats.Contains(f) => $"{role.ToString().ToLowerInvariant()} must be a matrix (.npy, .npz, .mat, .csv/.tsv), this is {Describe(inspection)}.",
            FileRole.Responses or FileRole.Features when f is "npy" or "matrix" && rank != 2 => $"{role.ToString().ToLowerInvariant()} must be a 2-D matrix [stimuli, units], this array is {Shape(inspection)}.",
            FileRole.Trials when f == "npy" && rank != 3 => $"repeated trials must be a 3-D array [repeats, stimuli, units] aligned with the responses, this array is {Shape(inspection)}.",
            FileRole.Trials when f != "npy" => $"repeated trials must be a 3-D .npy array [repeats, stimuli, units], this is {Describe(inspection)}.",
            FileRole.StimulusTable when f is not ("text" or "events-tsv" or "mat") => $"a stimulus table must be a TSV/CSV with a header (name, label, caption), this is {Describe(inspection)}.",
            FileRole.BrainRdm or FileRole.ModelRdm when f is not ("mat" or "npy" or "npz") => $"RDMs must be a .mat file (struct array with an RDM field, or square matrices) or .npy/.npz arrays [n, n], [subjects, n, n] or condensed vectors, this is {Describe(inspection)}.",
            FileRole.RegionTimeSeries when f != "matrix" => $"region time series must be a numeric table [time points, regions] (.1D, .csv, .tsv, .txt) with region ids in a header, this is {Describe(inspection)}.",
            FileRole.RegionTimeSeries when rank != 2 || inspection.Shape![0] <= 2 => $"region time series need more than 2 time points (rows) of 2 or more regions (columns), this table is {Shape(inspection)}.",
            FileRole.RegionTimeSeries when inspection.Shape![1] < 2 => $"region time series need 2 or more regions (columns), this table is {Shape(inspection)}.",
            FileRole.Surface or FileRole.SurfaceData when f != "gifti" => $"surfaces must be GIFTI files, this is {Describe(inspection)}.",
            _ => null,
        };
    }

    private static string Shape(FileInspection i) => i.Shape is null ? "without shape" : string.Join("x", i.Shape);

    private static string Describe(FileInspection i) => i.Format switch
    {
        "nifti" => $"a {Shape(i)} NIfTI image",
        "events-tsv" => "an events table",
        "text" => "a text file",
        "image" => "an image",
        "matrix" => "a numeric table",
        "torchscript" => "a TorchScript model",
        "onnx" => "an ONNX model",
        BatchInspection.ExternalDataFormat => "the external data file of a GIFTI surface",
        _ => $"a .{i.Format} file",
    };
}
