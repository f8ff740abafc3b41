using NeuroLab.Analysis.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuroLab.Analysis.Tests.Training;

/// <summary>
/// Test classes whose trainers seed libtorch's global generator (manual_seed: initial weights, dropout masks) run one
/// at a time, or one class's seeding would change the other's dropout masks and break exact-resume comparisons.
/// </summary>
[CollectionDefinition(Name)]
public sealed class LibtorchGeneratorCollection
{
    public const string Name = "libtorch global generator";
}

/// <summary>The decoder's linear skip path (ridge start), its feature-space loss, and the checkpoint format that carries them.</summary>
[Collection(LibtorchGeneratorCollection.Name)]
public sealed class ImageDecoderStartTests
{
    /// <summary>Responses [n, 20] ~ N(0, 1) and images [n, 36] = clamp(0.5 + 0.15 x W, 0, 1), seeded.</summary>
    private static (Tensor X, Tensor Y) Synthetic(int n, int seed)
    {
        var generator = new Generator((ulong)seed);
        var x = randn([n, 20], generator: generator);
        var w = randn([20, 36], generator: new Generator(99));
        return (x, (0.5f + (x.mm(w) * 0.15f)).clamp(0, 1));
    }

    /// <summary>A tiny frozen "feature network": images [n, 36] as 6 x 6, one fixed 3 x 3 convolution with 2 filters, ReLU.</summary>
    private sealed class TinyFeatures : nn.Module<Tensor, Tensor>
    {
        private readonly Tensor _kernel;

        public TinyFeatures() : base(nameof(TinyFeatures))
        {
            _kernel = linspace(-1, 1, 18).reshape(2, 1, 3, 3).DetachFromDisposeScope();
        }

        public override Tensor forward(Tensor input) => nn.functional.relu(nn.functional.conv2d(input.reshape(-1, 1, 6, 6), _kernel)).reshape(input.shape[0], -1);

        protected override void Dispose(bool disposing)
        {
            _kernel.Dispose();
            base.Dispose(disposing);
        }
    }

    [Fact]
    public void InitializeFromLinear_BeforeTraining_PredictsTheLinearModelClampedTo01()
    {
        using var scope = NewDisposeScope();
        var (x, _) = Synthetic(30, 1);
        var w = randn([20, 36], generator: new Generator(7)) * 0.1f;
        var b = linspace(0.2, 0.8, 36);
        using var trainer = new ImageDecoderTrainer(20, 36, new ImageDecoderOptions { Hidden = 16, LinearSkip = true, Seed = 3 });

        trainer.InitializeFromLinear(w, b);

        // Reference: the linear model in float64, clamped as the scored reconstructions are; float32 weights -> 1e-5.
        var expected = (x.to_type(ScalarType.Float64).mm(w.to_type(ScalarType.Float64)) + b.to_type(ScalarType.Float64)).clamp(0, 1);
        var actual = trainer.Predict(x).to_type(ScalarType.Float64);
        Assert.True((actual - expected).abs().max().item<double>() < 1e-5, $"largest difference {(actual - expected).abs().max().item<double>():E2}");
        // The data reach both sides of the clamp and its inside, so all three cases were compared.
        Assert.True(expected.eq(0).any().item<bool>() && expected.eq(1).any().item<bool>() && expected.gt(0).logical_and(expected.lt(1)).sum().item<long>() > 500);
    }

    [Fact]
    public void Train_FromALinearStartWithFeatureLoss_LowersTheValidationLoss()
    {
        using var scope = NewDisposeScope();
        var (x, y) = Synthetic(300, 2);
        var (xv, yv) = Synthetic(40, 3);
        using var features = new TinyFeatures();
        using var trainer = new ImageDecoderTrainer(20, 36,
            new ImageDecoderOptions { Hidden = 0, LinearSkip = true, FeatureLossWeight = 0.05, MaxEpochs = 40, Patience = 40, LearningRate = 0.01, WeightPenalty = 0 }, features);
        // The skip path (frozen) carries half of the true mapping; the second linear path learns the rest as a residual.
        trainer.InitializeFromLinear(randn([20, 36], generator: new Generator(99)) * 0.075f, full(36, 0.5f));
        var start = (trainer.Predict(xv) - yv).square().mean().item<float>();

        trainer.Train(x, y, xv, yv, []);

        // Targets are mostly clamped at 0 or 1, so no linear residual fits them all; measured 0.0189 -> 0.0148.
        Assert.True(trainer.BestValidationLoss < start * 0.9, $"validation MSE {start} at the start, best {trainer.BestValidationLoss}");
        Assert.Throws<InvalidOperationException>(() => trainer.InitializeFromLinear(zeros(20, 36), zeros(36)));
    }

    [Fact]
    public void Checkpoint_LinearSkipAndFeatureLoss_ResumedAtEpoch4_EqualsTheUninterruptedRun()
    {
        using var scope = NewDisposeScope();
        var (x, y) = Synthetic(64, 4);
        var (xv, yv) = Synthetic(16, 5);
        var options = new ImageDecoderOptions { Hidden = 16, Dropout = 0.3, LinearSkip = true, FeatureLossWeight = 0.2, MaxEpochs = 8, Patience = 8, BatchSize = 8 };
        var w = randn([20, 36], generator: new Generator(11)) * 0.05f;
        var b = full(36, 0.4f);
        using var features = new TinyFeatures();
        using var checkpoint = new MemoryStream();
        using var straight = new ImageDecoderTrainer(20, 36, options, features);
        straight.InitializeFromLinear(w, b);
        straight.Train(x, y, xv, yv, [], afterEpoch: (t, e) =>
        {
            if (e.Epoch == 4)
            {
                t.SaveCheckpoint(checkpoint);
            }
        });

        checkpoint.Position = 0;
        using (var withoutSkip = new ImageDecoderTrainer(20, 36, options with { LinearSkip = false, FeatureLossWeight = 0 }))
        {
            Assert.Contains("linear skip path", Assert.Throws<InvalidDataException>(() => withoutSkip.LoadCheckpoint(checkpoint)).Message, StringComparison.Ordinal);
        }
        checkpoint.Position = 0;
        using var resumed = new ImageDecoderTrainer(20, 36, options, features);
        resumed.LoadCheckpoint(checkpoint);
        resumed.Train(x, y, xv, yv, []);

        Assert.Equal(8, resumed.EpochsCompleted);
        Assert.Equal(straight.History.Select(h => h.TrainLoss), resumed.History.Select(h => h.TrainLoss));
        Assert.Equal(straight.History.Select(h => h.ValidationLoss), resumed.History.Select(h => h.ValidationLoss));
        Assert.Equal(straight.Predict(xv).data<float>().ToArray(), resumed.Predict(xv).data<float>().ToArray());
    }

    [Fact]
    public void LoadCheckpoint_Version1_IsRefusedNamingTheVersion()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write("NeuroLab.ImageDecoder.Checkpoint");
            writer.Write(1);
            writer.Write(20);
        }
        stream.Position = 0;
        using var trainer = new ImageDecoderTrainer(20, 36);

        var error = Assert.Throws<InvalidDataException>(() => trainer.LoadCheckpoint(stream));

        Assert.Contains("format version 1; this version reads only version 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LinearStartAndFeatureLoss_Misused_AreRefused()
    {
        using var scope = NewDisposeScope();
        using var plain = new ImageDecoderTrainer(20, 36, new ImageDecoderOptions { Hidden = 8 });
        Assert.Throws<InvalidOperationException>(() => plain.InitializeFromLinear(zeros(20, 36), zeros(36)));
        using var skip = new ImageDecoderTrainer(20, 36, new ImageDecoderOptions { Hidden = 0, LinearSkip = true });
        Assert.Throws<ArgumentException>(() => skip.InitializeFromLinear(zeros(36, 20), zeros(36)));
        Assert.Throws<ArgumentException>(() => skip.InitializeFromLinear(zeros(20, 36), full(36, float.NaN)));
        Assert.Throws<ArgumentException>(() => new ImageDecoderTrainer(20, 36, new ImageDecoderOptions { FeatureLossWeight = 1 }));
        Assert.Contains("featureLossWeight", Assert.Throws<ArgumentException>(() => new ImageDecoderTrainer(20, 36, new ImageDecoderOptions { FeatureLossWeight = -1 })).Message, StringComparison.Ordinal);
    }
}
