using System.Diagnostics;
using NeuroLab.Analysis.Training;
using static TorchSharp.torch;

namespace NeuroLab.Analysis.Tests.Training;

[Collection(LibtorchGeneratorCollection.Name)]
public sealed class ReadoutTrainerTests
{
    private static readonly ReadoutTrainingOptions s_fast = new() { LearningRate = 0.02, BatchSize = 50, MaxEpochs = 60, Patience = 8, Seed = 3 };

    [Fact]
    public void Train_DataFromKnownFactorizedReadout_RecoversIt()
    {
        using var p = ReadoutProblem.Create(units: 8, train: 600, validation: 200, test: 200, seed: 11);
        var clock = Stopwatch.StartNew();
        using var model = ReadoutTrainer.Train(p.TrainX, p.TrainY, p.ValX, p.ValY, s_fast);
        clock.Stop();

        // Noise sd is 10% of the drive's, so a perfect model scores r = 1/sqrt(1.01) = 0.995 per unit.
        Assert.True(model.BestValidationMeanR > 0.9, $"validation mean r {model.BestValidationMeanR:F3}");
        using var test = model.Predict(p.TestX, p.TestY);
        Assert.Equal([200L, 8L], test.Predictions.shape);
        Assert.All(test.R, r => Assert.True(r > 0.9, $"test r {r:F3}"));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"training took {clock.Elapsed}");
        Assert.True(model.History[^1].TrainLoss < model.History[0].TrainLoss);
    }

    [Fact]
    public void Train_PoissonLossOnCounts_LearnsPositiveRates()
    {
        using var p = ReadoutProblem.Create(units: 4, train: 600, validation: 200, test: 200, seed: 5, noiseFraction: 0);
        // Poisson counts with rate softplus(drive); the generator is seeded, so the test is deterministic.
        using var gen = new Generator(17);
        using var trainCounts = poisson(nn.functional.softplus(p.TrainY), gen);
        using var valCounts = poisson(nn.functional.softplus(p.ValY), gen);
        var options = s_fast with { Loss = ReadoutLoss.Poisson, Nonlinearity = ReadoutNonlinearity.Softplus };
        using var model = ReadoutTrainer.Train(p.TrainX, trainCounts, p.ValX, valCounts, options);
        using var rates = model.Predict(p.ValX);
        Assert.True(rates.min().item<float>() > 0);
        // Poisson noise caps r well below 1; the true rates themselves score about 0.7 here.
        Assert.True(model.BestValidationMeanR > 0.5, $"validation mean r {model.BestValidationMeanR:F3}");
    }

    [Fact]
    public void Train_ValidationStopsImproving_StopsAfterPatienceWithBestWeights()
    {
        // Responses unrelated to the maps: the training fit overfits, the validation r wanders around 0 and stops improving.
        using var p = ReadoutProblem.Create(units: 3, train: 60, validation: 60, test: 2, seed: 2, unrelated: true);
        var options = s_fast with { MaxEpochs = 300, Patience = 5 };
        var reports = new List<EpochProgress>();
        using var model = ReadoutTrainer.Train(p.TrainX, p.TrainY, p.ValX, p.ValY, options, new Recorder<EpochProgress>(reports.Add));

        Assert.True(model.StoppedEarly);
        Assert.Equal(model.BestEpoch + options.Patience, reports.Count);
        Assert.True(reports.Count < options.MaxEpochs);
        Assert.True(reports[^1].StopsEarly);
        Assert.All(reports.Skip(model.BestEpoch), r => Assert.True(r.ValidationMeanR <= model.BestValidationMeanR));
        Assert.Equal(reports.Max(r => r.ValidationMeanR), model.BestValidationMeanR);
        using var again = model.Predict(p.ValX, p.ValY);
        Assert.Equal(model.BestValidationMeanR, again.MeanR, 1e-5);
    }

    [Fact]
    public void Train_InterruptedAndResumedFromCheckpoint_MatchesUninterruptedRun()
    {
        using var p = ReadoutProblem.Create(units: 5, train: 230, validation: 80, test: 2, seed: 8);
        // 230 is not a multiple of 50: every epoch ends with a partial batch.
        var options = s_fast with { MaxEpochs = 6, Patience = 100, MaskL1 = 1e-3, FeatureL1 = 1e-3 };

        using var whole = new ReadoutTrainer(ReadoutProblem.Channels, ReadoutProblem.Side, ReadoutProblem.Side, 5, options);
        using var wholeModel = whole.Train(p.TrainX, p.TrainY, p.ValX, p.ValY);

        using var checkpoint = new MemoryStream();
        using var cancel = new CancellationTokenSource();
        using (var first = new ReadoutTrainer(ReadoutProblem.Channels, ReadoutProblem.Side, ReadoutProblem.Side, 5, options))
        {
            void AfterEpoch(ReadoutTrainer t, EpochProgress e)
            {
                if (e.Epoch == 3)
                {
                    t.SaveCheckpoint(checkpoint);
                    cancel.Cancel();
                }
            }
            Assert.Throws<OperationCanceledException>(() => first.Train(p.TrainX, p.TrainY, p.ValX, p.ValY, null, AfterEpoch, cancel.Token));
            Assert.Equal(3, first.EpochsCompleted);
        }
        checkpoint.Position = 0;
        var resumedReports = new List<EpochProgress>();
        using var resumed = ReadoutTrainer.Train(
            p.TrainX, p.TrainY, p.ValX, p.ValY, options, new Recorder<EpochProgress>(resumedReports.Add),
            checkpoints: new ReadoutCheckpointHooks { ResumeFrom = checkpoint });

        Assert.Equal([4, 5, 6], resumedReports.Select(r => r.Epoch));
        Assert.Equal(whole.History, resumed.History);
        Assert.Equal(wholeModel.BestEpoch, resumed.BestEpoch);
        AssertParametersClose(wholeModel.Readout, resumed.Readout, 1e-6);
        // The live weights (not only the best ones) of the uninterrupted run, against a resumed trainer driven by hand.
        checkpoint.Position = 0;
        using var byHand = new ReadoutTrainer(ReadoutProblem.Channels, ReadoutProblem.Side, ReadoutProblem.Side, 5, options);
        byHand.LoadCheckpoint(checkpoint);
        using var byHandModel = byHand.Train(p.TrainX, p.TrainY, p.ValX, p.ValY);
        AssertParametersClose(whole.Model, byHand.Model, 1e-6);
    }

    [Fact]
    public void Train_CheckpointEveryEpoch_WritesLoadableCheckpoints()
    {
        using var p = ReadoutProblem.Create(units: 2, train: 100, validation: 40, test: 2, seed: 4);
        var written = new Dictionary<int, MemoryStream>();
        var options = s_fast with { MaxEpochs = 2 };
        using var model = ReadoutTrainer.Train(
            p.TrainX, p.TrainY, p.ValX, p.ValY, options,
            checkpoints: new ReadoutCheckpointHooks { CheckpointAfterEpoch = e => written[e] = new MemoryStream() });
        Assert.Equal([1, 2], written.Keys.Order());
        using var trainer = new ReadoutTrainer(ReadoutProblem.Channels, ReadoutProblem.Side, ReadoutProblem.Side, 2, options);
        trainer.LoadCheckpoint(new MemoryStream(written[2].ToArray()));
        Assert.Equal(2, trainer.EpochsCompleted);
        Assert.Equal(model.History, trainer.History);
    }

    [Fact]
    public void Train_CancelledAfterAnEpoch_StopsBeforeTheNextBatch()
    {
        using var p = ReadoutProblem.Create(units: 2, train: 100, validation: 40, test: 2, seed: 4);
        using var cancel = new CancellationTokenSource();
        using var trainer = new ReadoutTrainer(ReadoutProblem.Channels, ReadoutProblem.Side, ReadoutProblem.Side, 2, s_fast);
        float[]? maskAfterFirstEpoch = null;
        void AfterEpoch(ReadoutTrainer t, EpochProgress e)
        {
            maskAfterFirstEpoch = t.Model.Mask.data<float>().ToArray();
            cancel.Cancel();
        }
        Assert.ThrowsAny<OperationCanceledException>(() => trainer.Train(p.TrainX, p.TrainY, p.ValX, p.ValY, null, AfterEpoch, cancel.Token));
        Assert.Equal(1, trainer.EpochsCompleted);
        Assert.Equal(maskAfterFirstEpoch, trainer.Model.Mask.data<float>().ToArray());

        using var preCancelled = new ReadoutTrainer(ReadoutProblem.Channels, ReadoutProblem.Side, ReadoutProblem.Side, 2, s_fast);
        Assert.ThrowsAny<OperationCanceledException>(() => preCancelled.Train(p.TrainX, p.TrainY, p.ValX, p.ValY, cancellationToken: cancel.Token));
        Assert.Equal(0, preCancelled.EpochsCompleted);
    }

    [Fact]
    public void LoadCheckpoint_NotACheckpointOrOtherModel_ThrowsInvalidData()
    {
        using var trainer = new ReadoutTrainer(ReadoutProblem.Channels, ReadoutProblem.Side, ReadoutProblem.Side, 2, s_fast);
        Assert.Throws<InvalidDataException>(() => trainer.LoadCheckpoint(new MemoryStream([1, 2, 3])));
        using var saved = new MemoryStream();
        trainer.SaveCheckpoint(saved);
        var truncated = new MemoryStream(saved.ToArray()[..(int)(saved.Length / 2)]);
        Assert.Throws<InvalidDataException>(() => trainer.LoadCheckpoint(truncated));
        using var other = new ReadoutTrainer(ReadoutProblem.Channels, ReadoutProblem.Side, ReadoutProblem.Side, 3, s_fast);
        saved.Position = 0;
        var e = Assert.Throws<InvalidDataException>(() => other.LoadCheckpoint(saved));
        Assert.Contains("2 units", e.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string> BadInputs() => new()
    {
        { "features3d", "trainFeatures", "[n, channels, height, width]" },
        { "channels", "trainFeatures", "expects 6 channels of 8 x 8" },
        { "sampleCount", "trainResponses", "has 99 samples but trainFeatures has 100" },
        { "units", "validationResponses", "has 3 units; the readout predicts 2" },
        { "nanFeatures", "trainFeatures", "NaN or infinite values (first at sample 7)" },
        { "nanResponses", "validationResponses", "NaN or infinite values (first at sample 3)" },
        { "oneValidationSample", "validationFeatures", "at least 2 sample(s)" },
        { "negativeCounts", "trainResponses", "negative value (first at sample 0, unit 1)" },
        { "poissonIdentity", "options", "Poisson loss needs a positive output" },
        { "integerFeatures", "trainFeatures", "floating point" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Train_BadInput_ThrowsArgumentExceptionNamingTheProblem(string kind, string parameter, string message)
    {
        using var scope = NewDisposeScope();
        var x = randn(100, ReadoutProblem.Channels, ReadoutProblem.Side, ReadoutProblem.Side);
        var y = rand(100, 2);
        var xv = randn(40, ReadoutProblem.Channels, ReadoutProblem.Side, ReadoutProblem.Side);
        var yv = rand(40, 2);
        var options = s_fast with { MaxEpochs = 1 };
        switch (kind)
        {
            case "features3d": x = x[.., 0]; break;
            case "channels": x = randn(100, 5, ReadoutProblem.Side, ReadoutProblem.Side); break;
            case "sampleCount": y = y[..99]; break;
            case "units": yv = rand(40, 3); break;
            case "nanFeatures": x[7, 2, 3, 4] = float.NaN; break;
            case "nanResponses": yv[3, 1] = float.PositiveInfinity; break;
            case "oneValidationSample": xv = xv[..1]; yv = yv[..1]; break;
            case "negativeCounts":
                y[0, 1] = -1f;
                options = options with { Loss = ReadoutLoss.Poisson, Nonlinearity = ReadoutNonlinearity.EluPlusOne };
                break;
            case "poissonIdentity": options = options with { Loss = ReadoutLoss.Poisson }; break;
            case "integerFeatures": x = x.to_type(ScalarType.Int32); break;
            default: throw new ArgumentOutOfRangeException(nameof(kind));
        }
        var e = Assert.ThrowsAny<ArgumentException>(() =>
        {
            using var trainer = new ReadoutTrainer(ReadoutProblem.Channels, ReadoutProblem.Side, ReadoutProblem.Side, 2, options);
            using var model = trainer.Train(x, y, xv, yv);
        });
        Assert.Equal(parameter, e.ParamName);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Predict_WrongShapeOrNaN_ThrowsArgumentException()
    {
        using var p = ReadoutProblem.Create(units: 2, train: 100, validation: 40, test: 2, seed: 4);
        using var model = ReadoutTrainer.Train(p.TrainX, p.TrainY, p.ValX, p.ValY, s_fast with { MaxEpochs = 1 });
        using var wrong = zeros(3, ReadoutProblem.Channels, ReadoutProblem.Side, ReadoutProblem.Side + 1);
        Assert.Contains("expects 6 channels of 8 x 8", Assert.Throws<ArgumentException>(() => model.Predict(wrong)).Message, StringComparison.Ordinal);
        using var nan = full(3, ReadoutProblem.Channels, ReadoutProblem.Side, ReadoutProblem.Side, float.NaN);
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => model.Predict(nan)).Message, StringComparison.Ordinal);
    }

    private static void AssertParametersClose(FactorizedReadout expected, FactorizedReadout actual, double tolerance)
    {
        var e = expected.named_parameters().ToArray();
        var a = actual.named_parameters().ToArray();
        Assert.Equal(e.Select(x => x.name), a.Select(x => x.name));
        for (int i = 0; i < e.Length; i++)
        {
            double difference = (e[i].parameter - a[i].parameter).abs().max().item<float>();
            Assert.True(difference <= tolerance, $"{e[i].name} differs by {difference:g}");
        }
    }

    /// <summary>Records reports synchronously (Progress&lt;T&gt; would post them later).</summary>
    private sealed class Recorder<T>(Action<T> onReport) : IProgress<T>
    {
        public void Report(T value) => onReport(value);
    }
}
