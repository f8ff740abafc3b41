using Microsoft.EntityFrameworkCore;
using NeuroLab.Data;
using NeuroLab.Data.Datasets;
using NeuroLab.Data.Storage;
using NeuroLab.Formats;
using NeuroLab.Formats.Matlab;
using NeuroLab.Formats.Numpy;
using NeuroLab.Formats.Tabular;
using static TorchSharp.torch;

namespace NeuroLab.Compute.Features;

/// <summary>
/// An uploaded feature matrix: a Features file of the dataset (.npy, .csv/.tsv, or a named .mat/.npz variable) whose
/// rows follow the stimulus order, e.g. embeddings computed elsewhere.
/// </summary>
public sealed class UploadedMatrixFeatureSpace(IDbContextFactory<NeuroLabDbContext> dbFactory, ContentStore store) : IFeatureSpace
{
    public string Name => "file";

    public string Label => "Uploaded feature matrix";

    public string Description => "An uploaded feature matrix: a Features file of the dataset whose rows follow the stimulus order (e.g. network embeddings computed elsewhere).";

    public bool NeedsImages => false;

    public IReadOnlyList<FeatureParameter> Parameters { get; } =
    [
        new("featureFileId", "fileId", "A file of the dataset imported with the role Features: [stimuli, features], rows in stimulus order.", Required: true),
        new("featureVariable", "string", "The variable holding the matrix in a .mat or .npz file with several."),
    ];

    public async Task<IReadOnlyList<string>> ValidateAsync(FeatureSpaceParameters parameters, FeatureValidationContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(context);
        var file = parameters.FeatureFileId is { } fid ? await context.Db.DatasetFiles.SingleOrDefaultAsync(f => f.Id == fid && f.DatasetId == context.DatasetId, ct) : null;
        if (file is null || file.Role != FileRole.Features)
        {
            return ["featureFileId must name a file of this dataset imported with the role Features."];
        }
        var problems = new List<string>();
        try
        {
            var matrix = ReadMatrix(store, file, parameters.FeatureVariable);
            if (matrix.Shape[0] != context.Stimuli.Count)
            {
                problems.Add($"The feature matrix has {matrix.Shape[0]} rows but the dataset has {context.Stimuli.Count} stimuli; rows must follow the stimulus order.");
            }
            int bad = matrix.ToFloat64().Count(v => !double.IsFinite(v));
            if (bad > 0)
            {
                problems.Add($"The feature matrix holds {bad} NaN or infinite values; features must be finite.");
            }
        }
        catch (Exception e) when (e is FormatReadException or ArgumentException)
        {
            problems.Add(e.Message);
        }
        return problems;
    }

    public string CacheKey(FeatureSpaceParameters parameters, FeatureInput input)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return FeatureCacheKey.Of(Name, $"v1;file={parameters.FeatureFileId};variable={parameters.FeatureVariable}", input, images: false, labels: false, fitRows: false);
    }

    public async Task<FeatureMatrix> ComputeAsync(FeatureSpaceParameters parameters, FeatureInput input, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        DatasetFile file;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            file = await db.DatasetFiles.SingleAsync(f => f.Id == parameters.FeatureFileId, ct);
        }
        var matrix = ReadMatrix(store, file, parameters.FeatureVariable).ToCOrder();
        var values = tensor(matrix.ToFloat32(), [matrix.Shape[0], matrix.Length / matrix.Shape[0]]);
        return new FeatureMatrix(values, $"uploaded features {file.FileName} ({values.shape[1]} columns)");
    }

    /// <summary>The feature matrix [stimuli, features] of a Features file (.npy, .csv/.tsv, or a named .mat/.npz variable).</summary>
    public static NumericArray ReadMatrix(ContentStore store, DatasetFile file, string? variable)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(file);
        var path = store.LocalPath(file.Sha256);
        NumericArray array = file.Format switch
        {
            "npy" => NpyReader.Read(path),
            "matrix" => DelimitedMatrixReader.Read(path).Values,
            "npz" => Pick(NpzReader.Read(path).ToDictionary(kv => kv.Key, kv => kv.Value), variable, file.FileName),
            "mat" => Pick(MatReader.Read(path).Variables.Where(v => v.Value is MatNumeric).ToDictionary(v => v.Key, v => ((MatNumeric)v.Value).Array), variable, file.FileName),
            _ => throw new ArgumentException($"{file.FileName} ({file.Format}) is not a feature matrix."),
        };
        return array.Rank >= 2 ? array : throw new ArgumentException($"{file.FileName}: features must be at least 2-D [stimuli, features], got {array.ShapeText}.");
    }

    private static NumericArray Pick(Dictionary<string, NumericArray> arrays, string? variable, string fileName) =>
        variable is not null
            ? arrays.TryGetValue(variable, out var a) ? a : throw new ArgumentException($"{fileName} has no variable '{variable}'; it has {string.Join(", ", arrays.Keys)}.")
            : arrays.Count == 1 ? arrays.Values.Single() : throw new ArgumentException($"{fileName} holds {arrays.Count} arrays ({string.Join(", ", arrays.Keys)}); name one in featureVariable.");
}
