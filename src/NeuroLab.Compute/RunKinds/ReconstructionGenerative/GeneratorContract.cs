using System.Text.Json.Serialization;

namespace NeuroLab.Compute.RunKinds.ReconstructionGenerative;

/// <summary>The body of one request to the generator (contract <see cref="GeneratorRequest.ContractName"/>, camelCase JSON).</summary>
public sealed record GeneratorRequest(
    string Contract, Guid RunId, int Seed, string EmbeddingSpace, int EmbeddingDimension, IReadOnlyList<GeneratorItem> Items, GeneratorImageSize Output)
{
    /// <summary>The contract's name and major version.</summary>
    public const string ContractName = "neurolab.generator/1";
}

/// <summary>One test image to generate: its index in the run's test order, the predicted embedding and the optional low-level guess.</summary>
public sealed record GeneratorItem(int Index, float[] Embedding, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] GeneratorLowLevel? LowLevel);

/// <summary>A greyscale 8-bit PNG of the per-pixel ridge guess.</summary>
public sealed record GeneratorLowLevel(int Height, int Width, string PngBase64);

/// <summary>The grid NeuroLab scores on (returned images of any size are resampled to it).</summary>
public sealed record GeneratorImageSize(int Height, int Width);

/// <summary>The generator's reply: its model, version and one image per item.</summary>
public sealed record GeneratorReply(string? Model, string? Version, IReadOnlyList<GeneratorImage>? Images);

/// <summary>One returned image (PNG or JPEG, greyscale or colour) for the item of <paramref name="Index"/>.</summary>
public sealed record GeneratorImage(int? Index, string? PngBase64);
