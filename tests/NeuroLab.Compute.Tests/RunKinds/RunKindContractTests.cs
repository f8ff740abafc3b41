using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using NeuroLab.Compute.Extensions;
using NeuroLab.Compute.RunKinds;
using NeuroLab.Compute.RunKinds.EncodingReadout;
using NeuroLab.Compute.RunKinds.EncodingRidge;
using NeuroLab.Compute.RunKinds.VoxelCaptions;
using NeuroLab.Compute.Runs;
using NeuroLab.Compute.Tests.Runs;

namespace NeuroLab.Compute.Tests.RunKinds;

/// <summary>The run-kind contract without a database: registration, strict parameters, problems, summaries, declarations.</summary>
public sealed class RunKindContractTests
{
    private static readonly RunSubmission Submission = new(Guid.NewGuid(), Guid.NewGuid(), "test-counting", default, "alice");

    private static IRunKind Counting() => new CountingJob().Kinds().Get("test-counting");

    [Fact]
    public void AddNeuroLabCompute_RegistersTheProductKinds_NamesFromRunKindNames()
    {
        using var provider = new ServiceCollection().AddNeuroLabCompute().BuildServiceProvider();

        var kinds = provider.GetRequiredService<RunKindRegistry>();

        Assert.Equal([RunKindNames.EncodingHierarchy, RunKindNames.EncodingReadout, RunKindNames.EncodingRidge, RunKindNames.Networks, RunKindNames.ReconstructionDecoder, RunKindNames.ReconstructionFeatures, RunKindNames.ReconstructionGenerative, RunKindNames.ReconstructionRidge, RunKindNames.VoxelCaptions], kinds.Names);
        Assert.Equal(typeof(EncodingRidgeParameters), kinds.Get(RunKindNames.EncodingRidge).ParametersType);
        Assert.Equal(typeof(EncodingReadoutSummary), kinds.Get(RunKindNames.EncodingReadout).SummaryType);
        Assert.Equal(RunInput.Run, kinds.Get(RunKindNames.VoxelCaptions).Info.Input);
        Assert.Equal(1, kinds.Get(RunKindNames.EncodingRidge).SummaryVersion);
    }

    [Fact]
    public void Registry_SameNameTwice_IsRefused()
    {
        var kind = Counting();

        var e = Assert.Throws<InvalidOperationException>(() => new RunKindRegistry([kind, kind]));

        Assert.Contains("'test-counting' is registered twice", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_UnknownParameter_IsAnUnknownValueNamingTheKnownOnes_TheJobIsNotAsked()
    {
        var problems = await Counting().ValidateAsync(Submission with { Parameters = JsonSerializer.SerializeToElement(new { step = 5 }) }, CancellationToken.None);

        Assert.True(problems.HasUnknownValues);
        Assert.Equal(["Unknown parameter 'step' for test-counting. Known parameters: blockAt, failAt, steps."], problems);
    }

    [Theory]
    [InlineData("{\"steps\":\"many\"}", "Parameters could not be read: the value at steps is not valid")]
    [InlineData("[1, 2]", "Parameters must be a JSON object.")]
    public async Task Validate_UnreadableParameters_AreUnknownValues(string json, string expected)
    {
        var problems = await Counting().ValidateAsync(Submission with { Parameters = JsonDocument.Parse(json).RootElement }, CancellationToken.None);

        Assert.True(problems.HasUnknownValues);
        Assert.StartsWith(expected, Assert.Single(problems), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_AProblemWithTheValues_IsNotAnUnknownValue()
    {
        var problems = await Counting().ValidateAsync(Submission with { Parameters = JsonSerializer.SerializeToElement(new { steps = 0 }) }, CancellationToken.None);

        Assert.False(problems.HasUnknownValues);
        Assert.Equal(["steps must be a positive number."], problems);
    }

    [Fact]
    public void OneOf_ListsTheAllowedValuesWithTheirMeanings_InTheFormsWords()
    {
        var problems = new RunProblems();

        problems.OneOf("split", "half", ("dataset", "the stimuli's train/test marks"), ("random", ""));
        problems.OneOf("split", "random", ("dataset", ""), ("random", ""));

        Assert.True(problems.HasUnknownValues);
        Assert.Equal(["Unknown split 'half'. Use dataset (the stimuli's train/test marks) or random."], problems);
        Assert.Equal("Unknown Train/test split 'half'. Use dataset (the stimuli's train/test marks) or random.", RunParameterLabels.ForForm(problems[0]));
    }

    [Fact]
    public void ReadSummary_StoredBeforeTypedSummaries_ReadsWithNaNForNullAndTheLegacyStrings()
    {
        var kinds = new ServiceCollection().AddNeuroLabCompute().BuildServiceProvider().GetRequiredService<RunKindRegistry>();
        // What encoding-ridge wrote as an anonymous object (no schemaVersion; NaN as the string "NaN" before NeuroLabJson).
        const string legacy = "{\"meanTestR\":0.2131,\"medianTestR\":\"NaN\",\"units\":212,\"samples\":\"stimuli\",\"trainRepeats\":null,\"alphas\":[1,10],\"bestAlphaCounts\":[200,12]}";

        var summary = Assert.IsType<EncodingRidgeSummary>(kinds.Get(RunKindNames.EncodingRidge).ReadSummary(legacy));

        Assert.Equal(0.2131, summary.MeanTestR);
        Assert.True(double.IsNaN(summary.MedianTestR));
        Assert.Equal([200, 12], summary.BestAlphaCounts);
        Assert.Equal("mean test r 0.213", kinds.Headline(RunKindNames.EncodingRidge, legacy));
        Assert.Equal("no unit with a finite test r", kinds.Headline(RunKindNames.EncodingRidge, "{\"meanTestR\":null}"));
        Assert.Equal("", kinds.Headline("no-such-kind", legacy));
        Assert.Equal("", kinds.Headline(RunKindNames.EncodingRidge, "not json"));
    }

    [Fact]
    public void Describe_AndResponseSetOf_ReadStoredParametersThroughTheKindsRecord()
    {
        using var database = new TestDatabase();
        var store = Directory.CreateTempSubdirectory("neurolab-kinds-");
        using var provider = new ServiceCollection()
            .AddSingleton(database.Factory)
            .AddSingleton(new NeuroLab.Data.Storage.ContentStore(store.FullName))
            .AddNeuroLabCompute().BuildServiceProvider();
        var kinds = provider.GetRequiredService<RunKindRegistry>();
        var set = Guid.NewGuid();
        string ridge = JsonSerializer.Serialize(new { responseSetId = set, bands = new[] { "gabor", "pixels" } });

        Assert.Equal("ridge · gabor+pixels", kinds.Get(RunKindNames.EncodingRidge).Describe(ridge));
        Assert.Equal(set, kinds.ResponseSetOf(RunKindNames.EncodingRidge, ridge));
        Assert.Equal(set, kinds.ResponseSetOf(RunKindNames.EncodingReadout, JsonSerializer.Serialize(new { responseSetId = set })));
        Assert.Null(kinds.ResponseSetOf(RunKindNames.VoxelCaptions, JsonSerializer.Serialize(new { encodingRunId = Guid.NewGuid() })));
        store.Delete(recursive: true);
    }

    [Fact]
    public void ArtifactDeclarations_EveryKindHasOneUnitScoresAtMost_UniqueNames_AndMapsDeclareHowTheirValuesRead()
    {
        foreach (var info in new[] { EncodingRidgeJob.Info, EncodingReadoutJob.Info, VoxelCaptionsJob.Info, NeuroLab.Compute.RunKinds.EncodingHierarchy.EncodingHierarchyJob.Info })
        {
            Assert.InRange(info.Artifacts.Count(a => a.Role == ArtifactRole.UnitScores), 0, 1);
            Assert.Equal(info.Artifacts.Count, info.Artifacts.Select(a => a.FileName).Distinct().Count());
        }
        Assert.Equal(("test_r.nii.gz", "nii.gz", "map"), (EncodingRidgeArtifacts.TestRMap.FileName, EncodingRidgeArtifacts.TestRMap.Format, EncodingRidgeArtifacts.TestRMap.LegacyKind));
        Assert.Equal(MapValues.Categorical, EncodingRidgeArtifacts.PreferredCategoryMap.Values);
        Assert.Same(EncodingRidgeArtifacts.PreferredCategoryLabels, EncodingRidgeArtifacts.PreferredCategoryMap.ValueNames);
        Assert.Equal("captions", VoxelCaptionsArtifacts.Captions.LegacyKind);
        Assert.Equal(ArtifactRole.VolumeMap, ArtifactRoles.Parse("volume-map"));
        Assert.Null(ArtifactRoles.Parse(""));
    }

    [Fact]
    public async Task SaveArray_ADeclarationThatIsNotAnNpy_IsRefused()
    {
        var context = new RecordingContext();

        await Assert.ThrowsAsync<ArgumentException>(() => context.SaveArrayAsync(EncodingRidgeArtifacts.Units, new NeuroLab.Formats.NumericArray(NeuroLab.Formats.NumericType.Int32, [1], new[] { 1 })));
    }

    private sealed class RecordingContext : RunContext
    {
        public override NeuroLab.Data.Runs.Run Run => throw new NotSupportedException();

        public override JsonElement Parameters => default;

        public override CancellationToken Cancellation => CancellationToken.None;

        public override void Report(string stage, long step, long total, IReadOnlyDictionary<string, double>? metrics = null, IReadOnlyDictionary<string, double[]>? series = null, bool milestone = false)
        {
        }

        public override Task LogAsync(string message, string level = "info") => Task.CompletedTask;

        public override Task<Guid> SaveFileAsync(ArtifactSpec artifact, Action<Stream> write, IReadOnlyList<long>? shape = null) => Task.FromResult(Guid.NewGuid());

        public override Task SaveCheckpointAsync(byte[] state) => Task.CompletedTask;

        public override Task<byte[]?> LoadCheckpointAsync() => Task.FromResult<byte[]?>(null);

        public override Task SetSummaryAsync(RunResult summary) => Task.CompletedTask;
    }
}
