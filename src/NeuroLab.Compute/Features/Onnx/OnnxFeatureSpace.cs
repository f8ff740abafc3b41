using System.Globalization;
using Microsoft.EntityFrameworkCore;
using NeuroLab.Analysis.Features;
using NeuroLab.Data;
using NeuroLab.Data.Datasets;
using NeuroLab.Data.Storage;
using NeuroLab.Formats;
using NeuroLab.Formats.Images;
using NeuroLab.Formats.Onnx;
using static TorchSharp.torch;

namespace NeuroLab.Compute.Features.Onnx;

/// <summary>
/// A tensor of an uploaded ONNX image model (<see cref="OnnxImageModel"/>): a Model file of the dataset run on every
/// stimulus, the node output named <c>onnxOutput</c> (default: the graph's first output) flattened per image, optionally
/// reduced by PCA fitted on the training stimuli. Images are prepared as for TorchScript models
/// (<see cref="TorchScriptFeatures.PrepareInput"/>): greyscale in [0, 1], area-resized, repeated to 3 channels when
/// asked, then <c>(x - inputMean) / inputStd</c> per channel. The flattened matrix is cached per (model, output, size,
/// channels, normalisation, images).
/// </summary>
public sealed class OnnxFeatureSpace(IDbContextFactory<NeuroLabDbContext> dbFactory, ContentStore store, FeatureCache cache) : IFeatureSpace
{
    /// <summary>Bump when the preparation changes, so cached matrices are not reused.</summary>
    private const string Version = "v1";

    /// <summary>Most bytes the raw feature matrix [stimuli, features] (float32) may take.</summary>
    public const long MaxMatrixBytes = 1L << 30;

    public string Name => "onnx";

    public string Label => "Uploaded ONNX model";

    public string Description => "A tensor of an uploaded ONNX image model (any node output, chosen by name): the model runs on every stimulus and the tensor, flattened, is the feature vector.";

    public bool NeedsImages => true;

    public IReadOnlyList<FeatureParameter> Parameters { get; } =
    [
        new("modelFileId", "fileId", "A file of the dataset imported with the role Model (an ONNX model with one float input [N, C, H, W]).", Required: true),
        new("onnxOutput", "string", "The node output of the graph used as features (GET /api/v1/datasets/{id}/files/{fileId}/onnx-graph lists them).", "the graph's first output"),
        new("imageSize", "integer", "Side the images are resized to (the graph's fixed H/W when it has them).",
            "the graph's input H/W, else min(64, stimulus size)", FeatureSpaceParameters.MinImageSize, FeatureSpaceParameters.MaxImageSize),
        new("inputChannels", "integer", "Channels the model takes (greyscale stimuli are repeated to 3).", "the graph's input channels, else 1", Allowed: ["1", "3"]),
        new("inputMean", "number[]", "Per-channel mean subtracted from the input; images are in [0, 1] before it (e.g. ImageNet's 0.485, 0.456, 0.406)."),
        new("inputStd", "number[]", "Per-channel standard deviation dividing the input after the mean (e.g. ImageNet's 0.229, 0.224, 0.225)."),
        new("featurePcaComponents", "integer", "Principal components of the model's features kept (fitted on the training stimuli only); none when not given.",
            null, 1, FeatureSpaceParameters.MaxPcaComponents),
    ];

    public async Task<IReadOnlyList<string>> ValidateAsync(FeatureSpaceParameters parameters, FeatureValidationContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(context);
        var problems = ImageFeatureParameters.Check(parameters);
        Runs.RunParameterChecks.InRange(problems, "featurePcaComponents", parameters.FeaturePcaComponents, 1, FeatureSpaceParameters.MaxPcaComponents);
        if (parameters.InputChannels is not (null or 1 or 3))
        {
            problems.Add($"inputChannels must be 1 or 3 (got {parameters.InputChannels}).");
        }
        var file = parameters.ModelFileId is { } id ? await context.Db.DatasetFiles.AsNoTracking().SingleOrDefaultAsync(f => f.Id == id && f.DatasetId == context.DatasetId, ct) : null;
        if (file is null || file.Role != FileRole.Model)
        {
            problems.Add("modelFileId must name a file of this dataset imported with the role Model (an ONNX model).");
            return problems;
        }
        if (file.Format != "onnx")
        {
            problems.Add($"modelFileId names {file.FileName}, a {file.Format} file; the onnx space takes an ONNX model (.onnx).");
            return problems;
        }
        OnnxGraph graph;
        byte[] bytes;
        try
        {
            (bytes, graph) = await OnnxImageModel.ReadAsync(store, file.Sha256, file.SizeBytes, file.FileName, ct);
        }
        catch (FormatReadException e)
        {
            problems.Add(e.Message);
            return problems;
        }
        problems.AddRange(OnnxImageModel.Check(graph, file.FileName, parameters.OnnxOutput, parameters.InputChannels, parameters.ImageSize));
        // Trying the model needs a first image and sane settings; the registry reports missing images itself.
        if (problems.Count > 0 || context.Stimuli.Count == 0 || context.Stimuli.Any(s => s.ImageSha256 is null))
        {
            return problems;
        }
        // Run it on the first stimulus now, so a graph ONNX Runtime cannot load or run is refused before the run is queued.
        try
        {
            using var model = OnnxImageModel.Load(bytes, graph, file.FileName, parameters.OnnxOutput);
            using var scope = NewDisposeScope();
            using var stream = store.OpenRead(context.Stimuli[0].ImageSha256!);
            var image = ImageReader.Read(stream, "stimulus 0", new ImageReadOptions { Color = ImageColorMode.Grayscale });
            int side = (int)Math.Min(image.Shape[0], image.Shape[1]);
            var first = tensor(image.ToFloat32(), [1, image.Shape[0], image.Shape[1]]);
            var features = Extract(model, parameters, first, Size(parameters, graph, FeatureInput.WorkingSize(parameters.ImageSize, side)), null, ct);
            // The whole matrix [stimuli, features] is held in memory (and cached): bound it before the run is queued.
            if (MatrixTooLarge(features.Shape[1], context.Stimuli.Count, parameters.OnnxOutput ?? graph.Outputs.FirstOrDefault() ?? "", file.FileName, MaxMatrixBytes) is { } tooLarge)
            {
                problems.Add(tooLarge);
            }
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or FormatReadException)
        {
            problems.Add(e.Message);
        }
        return problems;
    }

    /// <summary>The problem when <paramref name="stimuli"/> x <paramref name="width"/> float32 exceed <paramref name="limit"/> bytes; null otherwise.</summary>
    internal static string? MatrixTooLarge(long width, int stimuli, string output, string fileName, long limit)
    {
        double bytes = 4.0 * width * stimuli;
        return bytes <= limit ? null : string.Create(CultureInfo.InvariantCulture,
            $"onnxOutput '{output}' of {fileName} gives {width:N0} features per image: {stimuli:N0} stimuli x {width:N0} float32 = {bytes / (1 << 30):0.00} GiB, more than the {limit / (double)(1 << 30):0.##} GiB a feature matrix may take. Choose a smaller (pooled or later) output or a smaller imageSize.");
    }

    /// <summary>The key of the flattened model features (before PCA).</summary>
    private string RawKey(FeatureSpaceParameters p, FeatureInput input, string modelSha)
    {
        string Numbers(double[]? v) => v is null ? "-" : string.Join(' ', v.Select(x => x.ToString("R", CultureInfo.InvariantCulture)));
        return FeatureCacheKey.Of(Name,
            $"{Version};model={modelSha};output={p.OnnxOutput ?? "-"};size={p.ImageSize?.ToString(CultureInfo.InvariantCulture) ?? "-"};{ImageFeatureParameters.Settings(input)};" +
            $"channels={p.InputChannels};mean={Numbers(p.InputMean)};std={Numbers(p.InputStd)}",
            input, images: true, labels: false, fitRows: false);
    }

    public string CacheKey(FeatureSpaceParameters parameters, FeatureInput input)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(input);
        // The model file enters by its id here (a file's bytes never change under its id); the cached matrix is keyed by its content hash.
        string raw = RawKey(parameters, input, parameters.ModelFileId?.ToString() ?? "-");
        return parameters.FeaturePcaComponents is { } k
            ? FeatureCacheKey.Of(Name, string.Create(CultureInfo.InvariantCulture, $"{raw};pca={k}"), input, images: false, labels: false, fitRows: true)
            : raw;
    }

    public async Task<FeatureMatrix> ComputeAsync(FeatureSpaceParameters parameters, FeatureInput input, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(input);
        DatasetFile file;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            file = await db.DatasetFiles.AsNoTracking().SingleAsync(f => f.Id == parameters.ModelFileId, ct);
        }
        var (bytes, graph) = await OnnxImageModel.ReadAsync(store, file.Sha256, file.SizeBytes, file.FileName, ct);
        int size = Size(parameters, graph, input.ImageSize);
        string key = RawKey(parameters, input, file.Sha256);
        string output = parameters.OnnxOutput ?? graph.Outputs[0];
        NumericArray raw;
        if (await cache.TryGetAsync(key, ct) is { } cached)
        {
            input.Progress?.Report(new FeatureProgress((int)cached.Shape[0], (int)cached.Shape[0]));
            raw = cached;
        }
        else
        {
            using var model = OnnxImageModel.Load(bytes, graph, file.FileName, parameters.OnnxOutput);
            raw = Extract(model, parameters, input.Images, size, input.Progress, ct);
            await cache.SetAsync(key, raw, ct);
        }
        var features = tensor(raw.ToFloat32(), [raw.Shape[0], raw.Shape[1]]);
        var (h, w) = OnnxImageModel.InputSize(graph.Inputs[0], size);
        string what = $"ONNX model {file.FileName}, output {output}, input {h}x{w}, {raw.Shape[1]} features";
        if (parameters.FeaturePcaComponents is not { } components)
        {
            return new FeatureMatrix(features, what);
        }
        var (projected, k, variance) = PcaFeatureSpace.FitTransform(features, input.FitRows, components);
        return new FeatureMatrix(projected, $"{what}, PCA to {k} components ({variance:0.000} of variance)");
    }

    /// <summary>The side images are resized to: imageSize, else the graph's fixed side, else the working size.</summary>
    private static int Size(FeatureSpaceParameters p, OnnxGraph graph, int workingSize) => p.ImageSize ?? OnnxImageModel.FixedSide(graph) ?? workingSize;

    /// <summary>Every image of <paramref name="images"/> [n, h, w] through the model: [n, features] float32, in batches, with progress and cancellation between batches.</summary>
    private static NumericArray Extract(OnnxImageModel model, FeatureSpaceParameters p, Tensor images, int size, IProgress<FeatureProgress>? progress, CancellationToken ct)
    {
        var (height, width) = OnnxImageModel.InputSize(model.Input, size);
        int channels = p.InputChannels ?? (int?)model.Input.Shape![1] ?? 1;
        var options = new TorchScriptInputOptions { Height = height, Width = width, Channels = channels, Mean = p.InputMean, Std = p.InputStd };
        int n = (int)images.shape[0], batch = model.ImagesPerRun;
        float[]? values = null;
        int width1 = 0;
        for (int start = 0; start < n; start += batch)
        {
            ct.ThrowIfCancellationRequested();
            int count = Math.Min(batch, n - start);
            float[] pixels;
            using (var scope = NewDisposeScope())
            {
                pixels = TorchScriptFeatures.PrepareInput(images.narrow(0, start, count), options).data<float>().ToArray();
            }
            var output = model.Run(pixels, count, channels, height, width);
            if (values is null)
            {
                width1 = output.Length / count;
                values = new float[(long)n * width1];
            }
            output.CopyTo(values, (long)start * width1);
            progress?.Report(new FeatureProgress(start + count, n));
        }
        return new NumericArray(NumericType.Float32, [n, width1], values ?? []);
    }
}
