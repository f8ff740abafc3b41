using Microsoft.Extensions.DependencyInjection;
using NeuroLab.Compute.Features;
using NeuroLab.Compute.Tests.Datasets;
using static TorchSharp.torch;

namespace NeuroLab.Compute.Tests.Features;

/// <summary>A feature space that exists only in this test project: one class plus one registration line.</summary>
internal sealed class ConstantFeatureSpace : IFeatureSpace
{
    public string Name => "constant";

    public string Label => "Constant (test)";

    public string Description => "One feature equal to 1 for every stimulus.";

    public bool NeedsImages => false;

    public IReadOnlyList<FeatureParameter> Parameters { get; } = [];

    public Task<IReadOnlyList<string>> ValidateAsync(FeatureSpaceParameters parameters, FeatureValidationContext context, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<string>>([]);

    public string CacheKey(FeatureSpaceParameters parameters, FeatureInput input) => FeatureCacheKey.Of(Name, "v1", input, images: false, labels: false, fitRows: false);

    public Task<FeatureMatrix> ComputeAsync(FeatureSpaceParameters parameters, FeatureInput input, CancellationToken ct) =>
        Task.FromResult(new FeatureMatrix(ones(input.Labels.Count, 1), "constant"));
}

public sealed class FeatureSpaceRegistryTests : IDisposable
{
    private readonly ImportFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public void Registry_Labels_AreTheOnesTheFormUsesInMessages()
    {
        // The form lists spaces from the registry and rewrites problems with RunParameterLabels: both must agree.
        var registry = TestFeatureSpaces.Registry(_f.Database.Factory, _f.Store);

        Assert.Equal(registry.All.Select(s => (s.Name, s.Label)), NeuroLab.Compute.Runs.RunParameterLabels.All["features"].Values);
    }

    [Fact]
    public void Registry_BuiltIn_ListsTheBuiltInSpacesWithTheirParameters()
    {
        var registry = TestFeatureSpaces.Registry(_f.Database.Factory, _f.Store);

        Assert.Equal(["gabor", "pca", "pixels", "file", "torchscript", "onnx", "labels", "resnet18:stem", "resnet18:layer1", "resnet18:layer2", "resnet18:layer3", "resnet18:layer4", "resnet18:pool"], registry.Names);
        Assert.All(registry.All, s => Assert.False(string.IsNullOrWhiteSpace(s.Description)));
        Assert.Equal(["gabor", "pca", "pixels", "torchscript", "onnx", "resnet18:stem", "resnet18:layer1", "resnet18:layer2", "resnet18:layer3", "resnet18:layer4", "resnet18:pool"], registry.All.Where(s => s.NeedsImages).Select(s => s.Name));
        var pca = registry.Get("pca").Parameters.Single(p => p.Name == "pcaComponents");
        Assert.Equal(("integer", "100", 1.0, 10_000.0), (pca.Type, pca.Default, pca.Minimum!.Value, pca.Maximum!.Value));
        Assert.Equal(["featureFileId", "featureVariable"], registry.Get("file").Parameters.Select(p => p.Name));
        Assert.True(registry.Get("file").Parameters[0].Required);
        Assert.Equal(["modelFileId", "layer", "imageSize", "inputChannels", "inputMean", "inputStd"], registry.Get("torchscript").Parameters.Select(p => p.Name));
        Assert.Equal(["1", "3"], registry.Get("torchscript").Parameters.Single(p => p.Name == "inputChannels").Allowed!);
        Assert.Empty(registry.Get("labels").Parameters);
    }

    [Fact]
    public void Registry_ToySpaceFromTheTestProject_IsListedAfterOneRegistrationLine()
    {
        var registry = TestFeatureSpaces.Registry(_f.Database.Factory, _f.Store, s => s.AddFeatureSpace<ConstantFeatureSpace>());

        Assert.Equal("constant", registry.Names.Last());
        Assert.Equal(14, registry.All.Count);
        Assert.False(registry.NeedsImages(["constant", "labels"]));
        Assert.True(registry.NeedsImages(["constant", "pca"]));
    }

    [Fact]
    public void Get_UnknownName_ThrowsListingTheAllowedNames()
    {
        var registry = TestFeatureSpaces.Registry(_f.Database.Factory, _f.Store);

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => registry.Get("gabour"));

        Assert.Contains("unknown feature space 'gabour'. Allowed: gabor, pca, pixels, file, torchscript, onnx, labels, resnet18:stem, resnet18:layer1, resnet18:layer2, resnet18:layer3, resnet18:layer4, resnet18:pool.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidateAsync_UnknownBand_NamesTheParameterAndTheAllowedNames()
    {
        var registry = TestFeatureSpaces.Registry(_f.Database.Factory, _f.Store);
        await using var db = await _f.Database.Factory.CreateDbContextAsync();

        var problems = await registry.ValidateAsync("bands", ["pixels", "resnet"], new FeatureSpaceParameters(),
            new FeatureValidationContext(Guid.NewGuid(), [new FeatureStimulus("abc", "face"), new FeatureStimulus("def", "house")], db), CancellationToken.None);

        Assert.Equal(["bands: unknown feature space 'resnet'. Allowed: gabor, pca, pixels, file, torchscript, onnx, labels, resnet18:stem, resnet18:layer1, resnet18:layer2, resnet18:layer3, resnet18:layer4, resnet18:pool."], problems);
    }

    [Fact]
    public void Registry_TwoSpacesWithOneName_IsRefused() =>
        Assert.Throws<InvalidOperationException>(() => new FeatureSpaceRegistry([new ConstantFeatureSpace(), new ConstantFeatureSpace()]));

    [Fact]
    public void CacheKey_ChangesWithParametersAndStimuli_NotWithEqualInputs()
    {
        var registry = TestFeatureSpaces.Registry(_f.Database.Factory, _f.Store);
        var pca = registry.Get("pca");
        FeatureInput Input(long[] fit, string sha) => new() { Images = empty(0), ImageSize = 16, Labels = [null, null], FitRows = fit, ImageSha256 = ["a", sha] };

        string key = pca.CacheKey(new FeatureSpaceParameters { PcaComponents = 5 }, Input([0], "b"));

        Assert.Equal(key, pca.CacheKey(new FeatureSpaceParameters { PcaComponents = 5 }, Input([0], "b")));
        Assert.NotEqual(key, pca.CacheKey(new FeatureSpaceParameters { PcaComponents = 6 }, Input([0], "b")));
        Assert.NotEqual(key, pca.CacheKey(new FeatureSpaceParameters { PcaComponents = 5 }, Input([0, 1], "b")));
        Assert.NotEqual(key, pca.CacheKey(new FeatureSpaceParameters { PcaComponents = 5 }, Input([0], "c")));
        Assert.StartsWith("pca:", key, StringComparison.Ordinal);
    }
}
