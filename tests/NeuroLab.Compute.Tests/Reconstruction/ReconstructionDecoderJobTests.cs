using System.Globalization;
using System.Text.Json;
using NeuroLab.Compute.RunKinds;
using NeuroLab.Compute.RunKinds.ReconstructionDecoder;
using NeuroLab.Compute.Runs;
using NeuroLab.Compute.Tests.EncodingModels;
using NeuroLab.Data.Runs;

namespace NeuroLab.Compute.Tests.Reconstruction;

/// <summary>
/// reconstruction-decoder on the van Gerven digits: trains with only the response set given, streams loss curves and
/// example reconstructions (never dropped by the throttle), and scores the ten test digits like every reconstruction kind.
/// </summary>
public sealed class ReconstructionDecoderJobTests : IAsyncLifetime
{
    private RunHarness _h = default!;

    public async Task InitializeAsync() => _h = await RunHarness.StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task Digits_Defaults_TrainsWithLiveExamples_AndScoresTheTestDigits()
    {
        var digits = await _h.F.Samples.ImportAsync(_h.F.Alice, _h.F.WorkspaceId, "vangerven-digits");
        var voxels = (await _h.F.Datasets.GetAsync(_h.F.Alice, digits)).ResponseSets[0];

        var run = await _h.RunToEndAsync(digits, RunKindNames.ReconstructionDecoder, new { responseSetId = voxels.Id }, seed: 1, timeout: TimeSpan.FromMinutes(5));

        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        Console.WriteLine($"Digits, neural decoder: {run.SummaryJson}");
        var summary = Assert.IsType<ReconstructionDecoderSummary>(_h.Runs.Kinds.Get(RunKindNames.ReconstructionDecoder).ReadSummary(run.SummaryJson));
        Assert.Equal(9, summary.ValidationStimuli);
        Assert.Equal(81, summary.TrainStimuli);
        Assert.InRange(summary.BestEpoch, 1, summary.Epochs);
        Assert.InRange(summary.Scores.PixCorr.Mean, 0.5, 1);
        Assert.Equal([10L, 28, 28], (await _h.ArtifactAsync(run.Id, "reconstructions.npy")).Shape);
        var history = (await _h.ArtifactTextAsync(run.Id, "training_history.csv")).Trim().Split('\n');
        Assert.Equal("epoch,train_loss,validation_loss,validation_pixcorr", history[0]);
        Assert.Equal(summary.Epochs, history.Length - 1);

        // Live: every example epoch (1, 5, 10, ...) reached the bus with the 8 examples and their targets, 28x28 each.
        await WaitForAsync(() => _h.Events.Any(e => e.RunId == run.Id && e.Type != "progress"));
        var examples = _h.Events.Where(e => e.RunId == run.Id && e.Series?.ContainsKey("examples") == true).ToList();
        var expected = Enumerable.Range(1, summary.Epochs).Where(e => e == 1 || e % 5 == 0 || e == summary.Epochs).ToList();
        Assert.Equal(expected, examples.Select(e => (int)e.Step!.Value));
        Assert.All(examples, e => Assert.Equal(8 * 784, e.Series!["examples"].Length));
        Assert.All(examples, e => Assert.Equal([8.0, 28, 28], e.Series!["exampleShape"]));
        Assert.All(examples, e => Assert.Equal(8 * 784, e.Series!["exampleTargets"].Length));
        // The examples sharpen: their correlation with the targets at the best epoch's neighbourhood beats epoch 1's.
        double Corr(RunEvent e) => Pearson(e.Series!["examples"], e.Series!["exampleTargets"]);
        Assert.True(Corr(examples[^1]) > Corr(examples[0]), $"examples at epoch 1: r {Corr(examples[0]):0.000}; at the end: r {Corr(examples[^1]):0.000}");
    }

    [Fact]
    public async Task Validate_BadNetworkSettingsAndTooFewStimuli_AreRefusedBeforeQueueing()
    {
        var digits = await _h.F.Samples.ImportAsync(_h.F.Alice, _h.F.WorkspaceId, "vangerven-digits");
        var voxels = (await _h.F.Datasets.GetAsync(_h.F.Alice, digits)).ResponseSets[0];

        var refused = await Assert.ThrowsAsync<RunValidationException>(() => _h.Runs.SubmitAsync(_h.F.Alice, _h.F.WorkspaceId, digits, RunKindNames.ReconstructionDecoder,
            JsonSerializer.SerializeToElement(new { responseSetId = voxels.Id, hidden = -3, dropout = 1.5, validationFraction = 0.01 })));

        Assert.Contains(refused.Problems, p => p.StartsWith("hidden must be between 0 and 16,384", StringComparison.Ordinal));
        Assert.Contains(refused.Problems, p => p.StartsWith("dropout must be in [0, 1)", StringComparison.Ordinal));
        Assert.Contains(refused.Problems, p => p.Contains("90 training stimuli are too few to hold out 1%", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Digits_RidgeStartAndLayer1FeatureLoss_TrainsAndScoresTheTestDigits()
    {
        var digits = await _h.F.Samples.ImportAsync(_h.F.Alice, _h.F.WorkspaceId, "vangerven-digits");
        var voxels = (await _h.F.Datasets.GetAsync(_h.F.Alice, digits)).ResponseSets[0];

        var run = await _h.RunToEndAsync(digits, RunKindNames.ReconstructionDecoder,
            new { responseSetId = voxels.Id, initFromRidge = true, featureLoss = "resnet18:layer1", featureLossWeight = 0.01, maxEpochs = 20 }, seed: 1, timeout: TimeSpan.FromMinutes(5));

        Assert.True(run.Status == RunStatus.Succeeded, run.Error);
        Console.WriteLine($"Digits, neural decoder from the ridge start with a layer1 feature loss (20 epochs): {run.SummaryJson}");
        var summary = Assert.IsType<ReconstructionDecoderSummary>(_h.Runs.Kinds.Get(RunKindNames.ReconstructionDecoder).ReadSummary(run.SummaryJson));
        Assert.NotNull(summary.RidgeStartMedianAlpha);
        // Loosely: the ridge start alone scores about the ridge kind's .78 on these digits.
        Assert.InRange(summary.Scores.PixCorr.Mean, 0.6, 1);
        var log = await _h.Runs.LogAsync(_h.F.Alice, run.Id);
        Assert.Contains(log, e => e.Message.StartsWith("Ridge start: per-pixel ridge on the 81 fitting stimuli", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Validate_UnknownFeatureLossOrBadWeight_AreRefusedBeforeQueueing()
    {
        var digits = await _h.F.Samples.ImportAsync(_h.F.Alice, _h.F.WorkspaceId, "vangerven-digits");
        var voxels = (await _h.F.Datasets.GetAsync(_h.F.Alice, digits)).ResponseSets[0];

        var unknown = await Assert.ThrowsAsync<RunValidationException>(() => _h.Runs.SubmitAsync(_h.F.Alice, _h.F.WorkspaceId, digits, RunKindNames.ReconstructionDecoder,
            JsonSerializer.SerializeToElement(new { responseSetId = voxels.Id, featureLoss = "resnet18:layer4" })));
        var ranges = await Assert.ThrowsAsync<RunValidationException>(() => _h.Runs.SubmitAsync(_h.F.Alice, _h.F.WorkspaceId, digits, RunKindNames.ReconstructionDecoder,
            JsonSerializer.SerializeToElement(new { responseSetId = voxels.Id, featureLoss = "resnet18:stem", featureLossWeight = 0, featureLossSize = 8, folds = 1 })));

        Assert.True(unknown.UnknownValues);
        Assert.Contains(unknown.Problems, p => p.StartsWith("Unknown featureLoss 'resnet18:layer4'. Use none", StringComparison.Ordinal));
        Assert.False(ranges.UnknownValues);
        Assert.Contains(ranges.Problems, p => p.StartsWith("featureLossWeight must be a finite number > 0", StringComparison.Ordinal));
        Assert.Contains(ranges.Problems, p => p.StartsWith("featureLossSize must be between 32 and 224", StringComparison.Ordinal));
        Assert.Contains(ranges.Problems, p => p.StartsWith("folds must be between 2 and", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Validate_FeatureLossWithoutTheNetworkInstalled_IsRefusedNamingThePackage()
    {
        var digits = await _h.F.Samples.ImportAsync(_h.F.Alice, _h.F.WorkspaceId, "vangerven-digits");
        var voxels = (await _h.F.Datasets.GetAsync(_h.F.Alice, digits)).ResponseSets[0];
        var features = Features.TestFeatureSpaces.Registry(_h.F.Database.Factory, _h.F.Store);
        var samples = new NeuroLab.Compute.RunKinds.EncodingRidge.EncodingSamples(_h.F.Store, features);
        var ridge = new NeuroLab.Compute.RunKinds.EncodingRidge.EncodingRidgeJob(_h.F.Database.Factory, _h.F.Store, features, samples,
            new NeuroLab.Compute.Geometry.UnitGeometryService(_h.F.Database.Factory, _h.F.Store));
        var missing = new Microsoft.Extensions.Configuration.ConfigurationManager();
        missing[NeuroLab.Compute.Features.ResNet18.ResNet18Model.DirectorySetting] = Path.Combine(Path.GetTempPath(), "no-resnet-here");
        var job = new ReconstructionDecoderJob(_h.F.Database.Factory, _h.F.Store, samples, ridge, new NeuroLab.Compute.Features.ResNet18.ResNet18Model(missing));
        var problems = new RunProblems();

        await job.ValidateAsync(new ReconstructionDecoderParameters { ResponseSetId = voxels.Id, FeatureLoss = "resnet18:stem" },
            new RunSubmission(_h.F.WorkspaceId, digits, RunKindNames.ReconstructionDecoder, default, _h.F.Alice), problems, CancellationToken.None);

        // Without the network, a run that names no feature loss trains without one.
        Assert.Equal("none", job.FeatureLossOf(new ReconstructionDecoderParameters()));
        Assert.False(problems.HasUnknownValues);
        Assert.Contains(problems, p => p.StartsWith("featureLoss resnet18:stem needs the ResNet-18 network (NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18), which is not installed here", StringComparison.Ordinal));
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (int i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(50);
        }
    }

    private static double Pearson(double[] a, double[] b)
    {
        double ma = a.Average(), mb = b.Average(), sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            (sab, saa, sbb) = (sab + (a[i] - ma) * (b[i] - mb), saa + (a[i] - ma) * (a[i] - ma), sbb + (b[i] - mb) * (b[i] - mb));
        }
        return sab / Math.Sqrt(saa * sbb);
    }
}
