using System.Globalization;
using Microsoft.EntityFrameworkCore;
using NeuroLab.Analysis.Features;
using NeuroLab.Data;
using NeuroLab.Data.Datasets;
using NeuroLab.Data.Storage;
using NeuroLab.Formats;
using NeuroLab.Formats.Images;
using static TorchSharp.torch;

namespace NeuroLab.Compute.Features;

/// <summary>
/// A layer of an uploaded TorchScript model: a Model file of the dataset run on every stimulus, the output at position
/// <c>layer</c> of its returned tuple flattened per image (see <see cref="TorchScriptFeatures"/>).
/// </summary>
public sealed class TorchScriptFeatureSpace(IDbContextFactory<NeuroLabDbContext> dbFactory, ContentStore store) : IFeatureSpace
{
    public string Name => "torchscript";

    public string Label => "Uploaded TorchScript model";

    public string Description => "A layer of an uploaded TorchScript model: the model runs on every stimulus and the chosen output, flattened, is the feature vector.";

    public bool NeedsImages => true;

    public IReadOnlyList<FeatureParameter> Parameters { get; } =
    [
        new("modelFileId", "fileId", "A file of the dataset imported with the role Model (a TorchScript archive).", Required: true),
        new("layer", "integer", "Position of the wanted output in the tuple the model's forward() returns.", "0", 0, FeatureSpaceParameters.MaxLayer),
        ImageFeatureParameters.ImageSize,
        new("inputChannels", "integer", "Channels the model expects (greyscale stimuli are repeated to 3).", "as the model's first convolution", Allowed: ["1", "3"]),
        new("inputMean", "number[]", "Per-channel mean subtracted from the model's input (e.g. ImageNet's 0.485, 0.456, 0.406)."),
        new("inputStd", "number[]", "Per-channel standard deviation dividing the model's input."),
    ];

    public async Task<IReadOnlyList<string>> ValidateAsync(FeatureSpaceParameters parameters, FeatureValidationContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(context);
        var problems = ImageFeatureParameters.Check(parameters);
        Runs.RunParameterChecks.InRange(problems, "layer", parameters.Layer, 0, FeatureSpaceParameters.MaxLayer);
        if (parameters.InputChannels is not (null or 1 or 3))
        {
            problems.Add($"inputChannels must be 1 or 3 (got {parameters.InputChannels}).");
        }
        // Trying the model needs a first image and sane settings; the registry reports missing images itself.
        if (problems.Count > 0 || context.Stimuli.Count == 0 || context.Stimuli.Any(s => s.ImageSha256 is null))
        {
            return problems;
        }
        var model = parameters.ModelFileId is { } mid ? await context.Db.DatasetFiles.SingleOrDefaultAsync(f => f.Id == mid && f.DatasetId == context.DatasetId, ct) : null;
        if (model is null || model.Role != FileRole.Model)
        {
            return ["modelFileId must name a file of this dataset imported with the role Model (a TorchScript archive)."];
        }
        // Load the model and run it on the first stimulus now, so a bad model, input or layer is refused before the run is queued.
        try
        {
            // No await in this block: a dispose scope must end on the thread it began on.
            using var scope = NewDisposeScope();
            using var stream = store.OpenRead(context.Stimuli[0].ImageSha256!);
            var image = ImageReader.Read(stream, "stimulus 0", new ImageReadOptions { Color = ImageColorMode.Grayscale });
            int size = FeatureInput.WorkingSize(parameters.ImageSize, (int)Math.Min(image.Shape[0], image.Shape[1]));
            using var features = TorchScriptFeatures.Load(store.LocalPath(model.Sha256), Input(parameters, size));
            var outputs = features.DescribeOutputs(tensor(image.ToFloat32(), [1, image.Shape[0], image.Shape[1]]));
            if (parameters.Layer < 0 || parameters.Layer >= outputs.Count)
            {
                problems.Add($"layer {parameters.Layer} does not exist: {model.FileName} returns {outputs.Count} output(s): " +
                    string.Join(", ", outputs.Select((o, i) => $"{i} [{string.Join("x", o)}]")) + ".");
            }
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or FormatReadException)
        {
            problems.Add(e.Message);
        }
        return problems;
    }

    public string CacheKey(FeatureSpaceParameters parameters, FeatureInput input)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        string Numbers(double[]? v) => v is null ? "-" : string.Join(' ', v.Select(x => x.ToString("R", CultureInfo.InvariantCulture)));
        return FeatureCacheKey.Of(Name,
            $"v1;{ImageFeatureParameters.Settings(input)};model={parameters.ModelFileId};layer={parameters.Layer};channels={parameters.InputChannels};mean={Numbers(parameters.InputMean)};std={Numbers(parameters.InputStd)}",
            input, images: true, labels: false, fitRows: false);
    }

    public async Task<FeatureMatrix> ComputeAsync(FeatureSpaceParameters parameters, FeatureInput input, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(input);
        DatasetFile modelFile;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            modelFile = await db.DatasetFiles.SingleAsync(f => f.Id == parameters.ModelFileId, ct);
        }
        int size = input.ImageSize;
        using var model = TorchScriptFeatures.Load(store.LocalPath(modelFile.Sha256), Input(parameters, size));
        var all = model.Extract(input.Images, parameters.Layer, 32, input.Progress, ct);
        return new FeatureMatrix(all, $"TorchScript model {modelFile.FileName}, output {parameters.Layer}, input {size}x{size}, {all.shape[1]} features");
    }

    /// <summary>How stimulus images become the model's input: the working resolution plus the run's channel and normalisation settings.</summary>
    private static TorchScriptInputOptions Input(FeatureSpaceParameters p, int size) => new()
    {
        Height = size,
        Width = size,
        Channels = p.InputChannels,
        Mean = p.InputMean,
        Std = p.InputStd,
    };
}
