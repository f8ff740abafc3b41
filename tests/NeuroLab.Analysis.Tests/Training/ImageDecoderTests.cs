using NeuroLab.Analysis.Training;
using static TorchSharp.torch;

namespace NeuroLab.Analysis.Tests.Training;

/// <summary>The neural image decoder: learns a known mapping, resumes exactly from a checkpoint, stops early, refuses bad shapes.</summary>
[Collection(LibtorchGeneratorCollection.Name)]
public sealed class ImageDecoderTests
{
    /// <summary>Responses [n, 40] and images sigmoid(responses W) [n, 64] from a seeded generator.</summary>
    private static (Tensor X, Tensor Y) Synthetic(int n, int seed, bool related = true)
    {
        var random = new Random(seed);
        var weights = new Random(99);
        double Normal(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());
        var w = Enumerable.Range(0, 40 * 64).Select(_ => (float)(Normal(weights) * 0.4)).ToArray();
        var x = Enumerable.Range(0, n * 40).Select(_ => (float)Normal(random)).ToArray();
        var y = new float[n * 64];
        for (int i = 0; i < n; i++)
        {
            for (int p = 0; p < 64; p++)
            {
                double z = 0;
                for (int k = 0; k < 40; k++)
                {
                    z += x[i * 40 + k] * w[k * 64 + p];
                }
                y[i * 64 + p] = related ? (float)(1 / (1 + Math.Exp(-z))) : (float)random.NextDouble();
            }
        }
        return (tensor(x, [n, 40]), tensor(y, [n, 64]));
    }

    [Fact]
    public void Train_KnownSigmoidMapping_IsRecovered_ExamplesEveryFewEpochs()
    {
        using var scope = NewDisposeScope();
        var (x, y) = Synthetic(300, 1);
        var (xv, yv) = Synthetic(40, 2);
        using var trainer = new ImageDecoderTrainer(40, 64, new ImageDecoderOptions { Hidden = 0, Dropout = 0, WeightPenalty = 0, LearningRate = 0.01, MaxEpochs = 60, Patience = 60, ExampleEvery = 10 });
        var epochs = new List<ImageDecoderEpoch>();

        trainer.Train(x, y, xv, yv, [0, 3], new SyncProgress(epochs.Add));

        Assert.Equal(60, epochs.Count);
        Assert.True(epochs[^1].ValidationLoss < epochs[0].ValidationLoss / 5, $"validation loss {epochs[0].ValidationLoss} -> {epochs[^1].ValidationLoss}");
        Assert.True(epochs.Max(e => e.ValidationPixCorr) > 0.95, $"best validation PixCorr {epochs.Max(e => e.ValidationPixCorr)}");
        Assert.Equal([1, 10, 20, 30, 40, 50, 60], epochs.Where(e => e.Examples is not null).Select(e => e.Epoch));
        Assert.Equal(2 * 64, epochs[0].Examples!.Length);
        // Still improving at the end, so the weights kept are the last epoch's, and its examples are validation rows 0 and 3 decoded.
        Assert.Equal(60, trainer.BestEpoch);
        var decoded = trainer.Predict(xv).data<float>().ToArray();
        Assert.Equal([.. decoded.AsSpan(0, 64), .. decoded.AsSpan(3 * 64, 64)], epochs[^1].Examples!);
    }

    [Fact]
    public void Checkpoint_ResumedAtEpoch5_EqualsTheUninterruptedRun_WithDropout()
    {
        using var scope = NewDisposeScope();
        var (x, y) = Synthetic(80, 3);
        var (xv, yv) = Synthetic(20, 4);
        var options = new ImageDecoderOptions { Hidden = 32, Dropout = 0.3, MaxEpochs = 10, Patience = 10, BatchSize = 8 };
        using var checkpoint = new MemoryStream();
        using var straight = new ImageDecoderTrainer(40, 64, options);
        straight.Train(x, y, xv, yv, [], afterEpoch: (t, e) =>
        {
            if (e.Epoch == 5)
            {
                t.SaveCheckpoint(checkpoint);
            }
        });

        checkpoint.Position = 0;
        using (var other = new ImageDecoderTrainer(41, 64, options))
        {
            Assert.Throws<InvalidDataException>(() => other.LoadCheckpoint(checkpoint));
        }
        checkpoint.Position = 0;
        using var resumed = new ImageDecoderTrainer(40, 64, options);
        resumed.LoadCheckpoint(checkpoint);
        Assert.Equal(5, resumed.EpochsCompleted);
        resumed.Train(x, y, xv, yv, []);

        Assert.Equal(10, resumed.EpochsCompleted);
        Assert.Equal(straight.History.Select(h => h.ValidationLoss), resumed.History.Select(h => h.ValidationLoss));
        Assert.Equal(straight.Predict(xv).data<float>().ToArray(), resumed.Predict(xv).data<float>().ToArray());
    }

    [Fact]
    public async Task Train_TwoDecodersAtOnce_EachEqualsItsRunAlone_WithDropout()
    {
        // Initial weights and dropout masks come from libtorch's process-wide generator: two runs training at once (the
        // compute host with MaxConcurrentRuns > 1) must not interleave their draws.
        using var scope = NewDisposeScope();
        var (x, y) = Synthetic(80, 5);
        var (xv, yv) = Synthetic(20, 6);
        ImageDecoderOptions Options(ulong seed) => new() { Hidden = 32, Dropout = 0.3, MaxEpochs = 30, Patience = 30, BatchSize = 2, Seed = seed };
        double[] Alone(ulong seed)
        {
            using var trainer = new ImageDecoderTrainer(40, 64, Options(seed));
            trainer.Train(x, y, xv, yv, []);
            return [.. trainer.History.Select(h => h.ValidationLoss)];
        }
        var alone = new[] { Alone(1), Alone(2) };

        for (int attempt = 0; attempt < 3; attempt++)
        {
            var together = await Task.WhenAll(Task.Run(() => Alone(1)), Task.Run(() => Alone(2)));

            Assert.Equal(alone[0], together[0]);
            Assert.Equal(alone[1], together[1]);
        }
        Assert.NotEqual(alone[0], alone[1]);
    }

    [Fact]
    public void Train_UnrelatedImages_StopsEarlyAfterPatience_KeepsTheBestEpoch()
    {
        using var scope = NewDisposeScope();
        var (x, y) = Synthetic(60, 5, related: false);
        var (xv, yv) = Synthetic(20, 6, related: false);
        using var trainer = new ImageDecoderTrainer(40, 64, new ImageDecoderOptions { Hidden = 64, MaxEpochs = 500, Patience = 5, LearningRate = 0.01 });

        trainer.Train(x, y, xv, yv, [0]);

        Assert.True(trainer.StoppedEarly);
        Assert.Equal(trainer.BestEpoch + 5, trainer.EpochsCompleted);
        // The weights in use are the best epoch's: their validation loss is the recorded best.
        var decoded = trainer.Predict(xv);
        Assert.Equal(trainer.BestValidationLoss, (decoded - yv).square().mean().item<float>(), 1e-6);
    }

    [Fact]
    public void Train_WrongShapesOrNaN_AreRefusedNamingThem()
    {
        using var scope = NewDisposeScope();
        using var trainer = new ImageDecoderTrainer(40, 64);
        var error = Assert.Throws<ArgumentException>(() => trainer.Train(zeros(10, 39), zeros(10, 64), zeros(2, 40), zeros(2, 64), []));
        Assert.Contains("train: responses must be [n, 40] and images [n, 64]", error.Message, StringComparison.Ordinal);
        var nan = full(10, 40, float.NaN);
        Assert.Contains("finite", Assert.Throws<ArgumentException>(() => trainer.Train(nan, zeros(10, 64), zeros(2, 40), zeros(2, 64), [])).Message, StringComparison.Ordinal);
        Assert.Contains("hidden", Assert.Throws<ArgumentException>(() => new ImageDecoderTrainer(40, 64, new ImageDecoderOptions { Hidden = -1 })).Message, StringComparison.Ordinal);
    }

    private sealed class SyncProgress(Action<ImageDecoderEpoch> report) : IProgress<ImageDecoderEpoch>
    {
        public void Report(ImageDecoderEpoch value) => report(value);
    }
}
