using NeuroLab.Analysis.Features;
using NeuroLab.Data;
using static TorchSharp.torch;

namespace NeuroLab.Compute.Features;

/// <summary>
/// A feature space: a named way to turn a stimulus set into a matrix [nStimuli, nFeatures] that encoding models,
/// captions, decoders and RSA work on. Each space is one class; <see cref="FeatureSpaceServiceCollectionExtensions.AddFeatureSpace{TSpace}"/>
/// registers it with one line and <see cref="FeatureSpaceRegistry"/> lists it (the API, the new-run form, validation).
/// </summary>
public interface IFeatureSpace
{
    /// <summary>The stable name runs use in <c>features</c> and <c>bands</c>, e.g. "gabor".</summary>
    string Name { get; }

    /// <summary>What the space computes, in a sentence a person choosing it can act on.</summary>
    string Description { get; }

    /// <summary>A short label for choice lists (the new-run form).</summary>
    string Label { get; }

    /// <summary>Whether the space reads the stimulus images (false: uploaded matrices, labels).</summary>
    bool NeedsImages { get; }

    /// <summary>The run parameters the space reads (names as in the run's JSON parameters).</summary>
    IReadOnlyList<FeatureParameter> Parameters { get; }

    /// <summary>Checks the space's parameters against the dataset before a run is queued; returns the problems (empty = fine).</summary>
    Task<IReadOnlyList<string>> ValidateAsync(FeatureSpaceParameters parameters, FeatureValidationContext context, CancellationToken ct);

    /// <summary>
    /// A key that changes whenever the matrix would: the space, its parameters and the stimulus set (image hashes,
    /// labels, the rows a fitted space learns from). Equal keys mean equal matrices, so a cache may reuse one.
    /// </summary>
    string CacheKey(FeatureSpaceParameters parameters, FeatureInput input);

    /// <summary>Computes the feature matrix <see cref="FeatureMatrix.Values"/> [nStimuli, nFeatures] (float32) of every stimulus of <paramref name="input"/>.</summary>
    Task<FeatureMatrix> ComputeAsync(FeatureSpaceParameters parameters, FeatureInput input, CancellationToken ct);
}

/// <summary>One parameter a feature space reads, as the API lists it.</summary>
/// <param name="Name">The run parameter's JSON name, e.g. "pcaComponents".</param>
/// <param name="Type">integer, number, number[], string, or fileId (a dataset file's id).</param>
/// <param name="Description">What the parameter does.</param>
/// <param name="Default">The default, as text (e.g. "100", "min(64, stimulus size)"); null when the parameter is required or optional without one.</param>
/// <param name="Minimum">The smallest allowed value of a number.</param>
/// <param name="Maximum">The largest allowed value of a number.</param>
/// <param name="Allowed">The allowed values of a closed set (e.g. 1 and 3 channels).</param>
/// <param name="Required">Whether a run of the space must give it.</param>
public sealed record FeatureParameter(
    string Name, string Type, string Description, string? Default = null, double? Minimum = null, double? Maximum = null,
    IReadOnlyList<string>? Allowed = null, bool Required = false);

/// <summary>One stimulus as validation sees it.</summary>
public sealed record FeatureStimulus(string? ImageSha256, string? Label);

/// <summary>What a space's validation may consult: the dataset, its stimuli in order, and the database (read only).</summary>
public sealed record FeatureValidationContext(Guid DatasetId, IReadOnlyList<FeatureStimulus> Stimuli, NeuroLabDbContext Db);

/// <summary>
/// The stimulus set a space computes features of. Rows follow <see cref="Labels"/> (and <see cref="Images"/> when a
/// space needs images): a dataset's stimuli in order, possibly followed by pool items.
/// </summary>
public sealed class FeatureInput
{
    /// <summary>Greyscale stimulus images [nStimuli, height, width] in [0, 1]; an empty tensor when no image space is used.</summary>
    public required Tensor Images { get; init; }

    /// <summary>The working resolution (pixels per side): min(imageSize, stimulus size).</summary>
    public required int ImageSize { get; init; }

    /// <summary>Each stimulus's category label (null when it has none).</summary>
    public required IReadOnlyList<string?> Labels { get; init; }

    /// <summary>The rows a fitted space (PCA) learns from: the training stimulus of each training sample, repeats included.</summary>
    public required long[] FitRows { get; init; }

    /// <summary>The content hash of each stimulus image (null entries where none); identifies the stimulus set in cache keys.</summary>
    public IReadOnlyList<string?> ImageSha256 { get; init; } = [];

    /// <summary>Receives image-by-image progress of the slow spaces (Gabor, TorchScript).</summary>
    public IProgress<FeatureProgress>? Progress { get; init; }

    /// <summary>The working resolution of a run: the requested size (default 64) capped by the stimuli's side.</summary>
    public static int WorkingSize(int? requested, int side) => Math.Min(requested ?? 64, side);
}

/// <summary>A computed feature matrix [nStimuli, nFeatures] (float32) and a one-line description for the run log and summary.</summary>
public sealed record FeatureMatrix(Tensor Values, string Description);
