using NeuroLab.Analysis.Encoding;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NeuroLab.Analysis.Training;

/// <summary>Settings of <see cref="ImageDecoderTrainer"/>.</summary>
public sealed record ImageDecoderOptions
{
    /// <summary>Hidden units of the one hidden layer (ReLU); 0 = a linear decoder (responses straight to pixel logits).</summary>
    public int Hidden { get; init; } = 512;

    /// <summary>Dropout on the hidden layer during training (0 = none).</summary>
    public double Dropout { get; init; } = 0.2;

    /// <summary>Adam's learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>L2 penalty on all weights (added to the loss, not AdamW's decoupled decay): lambda * mean of squared weights.</summary>
    public double WeightPenalty { get; init; } = 1e-2;

    /// <summary>Samples per Adam step.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Most epochs.</summary>
    public int MaxEpochs { get; init; } = 300;

    /// <summary>Epochs without a better validation loss before training stops.</summary>
    public int Patience { get; init; } = 30;

    /// <summary>Seed of the initial weights, the shuffles and the dropout masks (each a function of the seed and the epoch).</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Every this many epochs (and at the first and the last) the progress carries the example reconstructions.</summary>
    public int ExampleEvery { get; init; } = 5;

    /// <summary>
    /// A linear skip path: output = skip(x) + mlp(x) with no sigmoid (decoded pixels clamped to 0..1 when evaluated and
    /// predicted), so <see cref="ImageDecoderTrainer.InitializeFromLinear"/> can start the decoder at a linear (ridge)
    /// solution. The skip path is frozen: only the MLP trains, as a residual on the linear solution. (Adam moves every
    /// weight by about the learning rate per step whatever its scale, which wiped out ridge weights of ~1e-4 within an
    /// epoch: on the digits a trainable skip scored PixCorr .69-.72 against .78 for the plain MLP.)
    /// </summary>
    public bool LinearSkip { get; init; }

    /// <summary>Weight of the feature-space term of the loss (needs a feature network; 0 = pixel MSE only).</summary>
    public double FeatureLossWeight { get; init; }

    /// <summary>Throws with a message naming the first invalid setting.</summary>
    public void Validate()
    {
        void Check(bool ok, string message)
        {
            if (!ok)
            {
                throw new ArgumentException(message);
            }
        }
        Check(Hidden is >= 0 and <= 16_384, $"hidden must be between 0 and 16384 (got {Hidden}).");
        Check(Dropout is >= 0 and < 1, $"dropout must be in [0, 1) (got {Dropout}).");
        Check(LearningRate is > 0 and <= 1, $"learningRate must be in (0, 1] (got {LearningRate}).");
        Check(WeightPenalty >= 0 && double.IsFinite(WeightPenalty), $"weightPenalty must be a finite number >= 0 (got {WeightPenalty}).");
        Check(BatchSize is >= 1 and <= 4096, $"batchSize must be between 1 and 4096 (got {BatchSize}).");
        Check(MaxEpochs is >= 1 and <= 100_000, $"maxEpochs must be between 1 and 100000 (got {MaxEpochs}).");
        Check(Patience >= 1, $"patience must be at least 1 (got {Patience}).");
        Check(ExampleEvery >= 1, $"exampleEvery must be at least 1 (got {ExampleEvery}).");
        Check(FeatureLossWeight >= 0 && double.IsFinite(FeatureLossWeight), $"featureLossWeight must be a finite number >= 0 (got {FeatureLossWeight}).");
    }
}

/// <summary>One finished epoch of an <see cref="ImageDecoderTrainer"/>.</summary>
/// <param name="Epoch">The epoch (from 1).</param>
/// <param name="MaxEpochs">The most epochs.</param>
/// <param name="TrainLoss">Mean squared error on the training samples (pixels 0..1), averaged over the epoch's batches (the pixel term only, without a feature loss).</param>
/// <param name="ValidationLoss">Mean squared error on the validation samples (evaluation mode).</param>
/// <param name="ValidationPixCorr">Mean over validation images of the Pearson r between decoded and true pixels.</param>
/// <param name="BestEpoch">The epoch with the lowest validation loss so far.</param>
/// <param name="BestValidationLoss">Its validation loss.</param>
/// <param name="StopsEarly">Whether early stopping ends training after this epoch.</param>
/// <param name="Examples">The decoded example images [examples, pixels] (row-major) at this epoch, or null on epochs without them.</param>
public sealed record ImageDecoderEpoch(
    int Epoch, int MaxEpochs, double TrainLoss, double ValidationLoss, double ValidationPixCorr, int BestEpoch, double BestValidationLoss, bool StopsEarly,
    float[]? Examples);

/// <summary>
/// A small neural image decoder: responses <c>[n, units]</c> to pixels <c>[n, pixels]</c> in 0..1 through one hidden ReLU
/// layer (or none) and a sigmoid, trained with Adam on the mean squared error plus an L2 penalty, with seeded
/// mini-batches, early stopping on the validation loss (the best epoch's weights are kept), exact checkpoint/resume, and
/// example reconstructions of fixed validation images in the progress every few epochs, so a page can show them
/// sharpening. Optionally (<see cref="ImageDecoderOptions.LinearSkip"/>) a linear skip path beside the hidden layer that
/// starts at a ridge solution while the hidden path starts at zero (<see cref="InitializeFromLinear"/>), and a
/// feature-space loss (<see cref="ImageDecoderOptions.FeatureLossWeight"/>): loss = MSE(pixels) + weight x
/// MSE(phi(decoded), phi(target)) with phi a frozen network given to the constructor (e.g. early ResNet-18 stages; the
/// perceptual loss of Johnson et al. 2016).
/// </summary>
/// <remarks>
/// Initial weights come from libtorch's generator seeded with <see cref="ImageDecoderOptions.Seed"/>; the order of epoch e
/// is a SplitMix64 permutation of <c>(seed, e)</c> and its dropout masks come from libtorch's generator re-seeded with a
/// function of <c>(seed, e)</c> at the start of the epoch, so a run resumed from the checkpoint of epoch k repeats the
/// arithmetic of a run that never stopped (same libtorch build and thread count). Data are used as given (z-score the
/// responses first).
/// </remarks>
public sealed class ImageDecoderTrainer : IDisposable
{
    /// <summary>
    /// Held while a trainer draws from libtorch's process-wide generator (initial weights; an epoch's dropout masks), so
    /// two decoders training at once in one process (<c>MaxConcurrentRuns</c> &gt; 1) never interleave their draws and
    /// each stays exactly reproducible.
    /// </summary>
    private static readonly Lock GlobalGenerator = new();

    private const string CheckpointMagic = "NeuroLab.ImageDecoder.Checkpoint";
    private const int CheckpointVersion = 2;

    private readonly Module<Tensor, Tensor> _model;
    private readonly Module<Tensor, Tensor>? _featureNetwork;
    private readonly Linear? _hiddenOutput;
    private readonly Adam _optimizer;
    private readonly List<ImageDecoderEpoch> _history = [];
    private readonly BestWeights _best = new();

    /// <summary>Creates the network with seeded initial weights and its optimizer.</summary>
    /// <param name="units">Input units.</param>
    /// <param name="pixels">Output pixels per image.</param>
    /// <param name="options">Settings; defaults when null.</param>
    /// <param name="featureNetwork">
    /// The frozen network phi of the feature loss: images <c>[n, pixels]</c> in 0..1 to features <c>[n, ...]</c>
    /// (differentiable; its parameters are not trained and not checkpointed). Required when
    /// <see cref="ImageDecoderOptions.FeatureLossWeight"/> is above 0, unused otherwise; the caller owns it.
    /// </param>
    /// <exception cref="ArgumentException">An invalid setting or size, or a feature loss without a network.</exception>
    public ImageDecoderTrainer(int units, int pixels, ImageDecoderOptions? options = null, Module<Tensor, Tensor>? featureNetwork = null)
    {
        Options = options ?? new ImageDecoderOptions();
        Options.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(units, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(pixels, 1);
        if (Options.FeatureLossWeight > 0 && featureNetwork is null)
        {
            throw new ArgumentException("A feature loss weight above 0 needs a feature network.", nameof(featureNetwork));
        }
        (Units, Pixels) = (units, pixels);
        _featureNetwork = Options.FeatureLossWeight > 0 ? featureNetwork : null;
        using var seeded = GlobalGenerator.EnterScope();
        manual_seed(unchecked((long)Options.Seed));
        var mlp = Options.Hidden == 0
            ? nn.Sequential(("output", _hiddenOutput = nn.Linear(units, pixels)))
            : nn.Sequential(("hidden", nn.Linear(units, Options.Hidden)), ("relu", nn.ReLU()), ("dropout", nn.Dropout(Options.Dropout)), ("output", _hiddenOutput = nn.Linear(Options.Hidden, pixels)));
        _model = Options.LinearSkip ? new SkipDecoder(nn.Linear(units, pixels), mlp) : mlp;
        if (_model is SkipDecoder frozen)
        {
            frozen.Skip.weight!.requires_grad = false;
            frozen.Skip.bias!.requires_grad = false;
        }
        _optimizer = new Adam(_model.parameters().Where(p => p.requires_grad), Options.LearningRate);
    }

    /// <summary>The settings in use.</summary>
    public ImageDecoderOptions Options { get; }

    /// <summary>Input units (voxels, neurons).</summary>
    public int Units { get; }

    /// <summary>Output pixels per image.</summary>
    public int Pixels { get; }

    /// <summary>Epochs finished, including those restored from a checkpoint.</summary>
    public int EpochsCompleted { get; private set; }

    /// <summary>The epoch with the lowest validation loss (0 before the first).</summary>
    public int BestEpoch { get; private set; }

    /// <summary>Its validation loss.</summary>
    public double BestValidationLoss { get; private set; } = double.PositiveInfinity;

    /// <summary>True once early stopping has ended training.</summary>
    public bool StoppedEarly { get; private set; }

    /// <summary>One entry per finished epoch (without example images).</summary>
    public IReadOnlyList<ImageDecoderEpoch> History => _history;

    /// <summary>
    /// Starts the decoder at a linear solution (e.g. per-pixel ridge): the skip path's weights become
    /// <paramref name="weights"/> and its bias <paramref name="intercepts"/>, the hidden path's output layer becomes zero,
    /// so before training the decoder predicts <c>clamp(x W + b, 0, 1)</c>, the linear model's prediction. The hidden
    /// layer keeps its seeded random weights (a zero output layer still gets gradients through them). The skip path then
    /// stays fixed while the MLP trains.
    /// </summary>
    /// <param name="weights">[units, pixels].</param>
    /// <param name="intercepts">[pixels].</param>
    /// <exception cref="InvalidOperationException">No skip path (<see cref="ImageDecoderOptions.LinearSkip"/>), or training has started.</exception>
    /// <exception cref="ArgumentException">Shapes that disagree or non-finite values.</exception>
    public void InitializeFromLinear(Tensor weights, Tensor intercepts)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(intercepts);
        if (_model is not SkipDecoder skip)
        {
            throw new InvalidOperationException("Only a decoder with a linear skip path (LinearSkip) starts from a linear solution.");
        }
        if (EpochsCompleted > 0)
        {
            throw new InvalidOperationException($"Training has started ({EpochsCompleted} epochs): the linear start applies before the first epoch.");
        }
        if (!weights.shape.SequenceEqual([Units, Pixels]) || !intercepts.shape.SequenceEqual([Pixels]))
        {
            throw new ArgumentException($"weights must be [{Units}, {Pixels}] and intercepts [{Pixels}] (got [{string.Join(", ", weights.shape)}] and [{string.Join(", ", intercepts.shape)}]).");
        }
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        if (!weights.isfinite().all().item<bool>() || !intercepts.isfinite().all().item<bool>())
        {
            throw new ArgumentException("The linear solution must be finite (NaN or infinite values found).");
        }
        skip.Skip.weight!.copy_(weights.to_type(ScalarType.Float32).t());
        skip.Skip.bias!.copy_(intercepts.to_type(ScalarType.Float32));
        if (_hiddenOutput is { } output)
        {
            output.weight!.zero_();
            output.bias!.zero_();
        }
    }

    /// <summary>
    /// Trains from epoch <see cref="EpochsCompleted"/> + 1 until early stopping or the last epoch, then loads the best
    /// epoch's weights.
    /// </summary>
    /// <param name="trainResponses">[n, units].</param>
    /// <param name="trainImages">[n, pixels] in 0..1.</param>
    /// <param name="validationResponses">[nVal, units], nVal >= 1.</param>
    /// <param name="validationImages">[nVal, pixels].</param>
    /// <param name="exampleRows">Validation rows whose reconstructions the progress carries.</param>
    /// <param name="progress">Told after each epoch.</param>
    /// <param name="afterEpoch">Called after each epoch (e.g. to save a checkpoint).</param>
    /// <param name="cancellationToken">Checked before every mini-batch.</param>
    /// <exception cref="ArgumentException">Shapes that disagree or non-finite values.</exception>
    public void Train(
        Tensor trainResponses, Tensor trainImages, Tensor validationResponses, Tensor validationImages, IReadOnlyList<int> exampleRows,
        IProgress<ImageDecoderEpoch>? progress = null, Action<ImageDecoderTrainer, ImageDecoderEpoch>? afterEpoch = null, CancellationToken cancellationToken = default)
    {
        Check(trainResponses, trainImages, "train");
        Check(validationResponses, validationImages, "validation");
        ArgumentNullException.ThrowIfNull(exampleRows);
        using var data = NewDisposeScope();
        var x = trainResponses.to_type(ScalarType.Float32).contiguous();
        var y = trainImages.to_type(ScalarType.Float32).contiguous();
        var xVal = validationResponses.to_type(ScalarType.Float32).contiguous();
        var yVal = validationImages.to_type(ScalarType.Float32).contiguous();
        var examples = tensor(exampleRows.Select(r => (long)r).ToArray());
        int n = (int)x.shape[0];
        for (int epoch = EpochsCompleted + 1; epoch <= Options.MaxEpochs && !StoppedEarly; epoch++)
        {
            _model.train();
            double lossSum = 0;
            using (GlobalGenerator.EnterScope())
            {
                manual_seed(unchecked((long)(Options.Seed ^ ((ulong)epoch * 0x9E3779B97F4A7C15UL))));
                long[] order = ReadoutTrainer.EpochOrder(Options.Seed, epoch, n);
                for (int start = 0; start < n; start += Options.BatchSize)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    using var batch = NewDisposeScope();
                    int count = Math.Min(Options.BatchSize, n - start);
                    var index = tensor(order.AsSpan(start, count).ToArray(), ScalarType.Int64);
                    _optimizer.zero_grad();
                    var target = y.index_select(0, index);
                    var output = Forward(x.index_select(0, index));
                    var loss = (output - target).square().mean();
                    var total = Options.WeightPenalty > 0 ? loss + (Penalty() * Options.WeightPenalty) : loss;
                    if (_featureNetwork is not null)
                    {
                        total = total + (FeatureLoss(output, target) * Options.FeatureLossWeight);
                    }
                    total.backward();
                    _optimizer.step();
                    lossSum += loss.item<float>() * count;
                }
            }

            var (validationLoss, pixCorr, decoded) = Evaluate(xVal, yVal);
            if (validationLoss < BestValidationLoss)
            {
                BestValidationLoss = validationLoss;
                BestEpoch = epoch;
                _best.Keep(_model.parameters());
            }
            StoppedEarly = epoch - BestEpoch >= Options.Patience && epoch < Options.MaxEpochs;
            EpochsCompleted = epoch;
            bool withExamples = epoch == 1 || epoch % Options.ExampleEvery == 0 || StoppedEarly || epoch == Options.MaxEpochs;
            float[]? exampleImages = null;
            if (withExamples && exampleRows.Count > 0)
            {
                using var scope = NewDisposeScope();
                exampleImages = decoded.index_select(0, examples).contiguous().data<float>().ToArray();
            }
            decoded.Dispose();
            var report = new ImageDecoderEpoch(epoch, Options.MaxEpochs, lossSum / n, validationLoss, pixCorr, BestEpoch, BestValidationLoss, StoppedEarly, exampleImages);
            _history.Add(report with { Examples = null });
            progress?.Report(report);
            afterEpoch?.Invoke(this, report);
        }
        if (_best.Has)
        {
            _best.CopyTo(_model.parameters());
        }
    }

    /// <summary>Decodes responses [n, units] to pixels [n, pixels] in 0..1 (evaluation mode, no gradients).</summary>
    public Tensor Predict(Tensor responses)
    {
        ArgumentNullException.ThrowIfNull(responses);
        _model.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return Decode(responses.to_type(ScalarType.Float32)).MoveToOuterDisposeScope();
    }

    /// <summary>Writes the whole training state: sizes, options that shape the network, epoch count, best-so-far, history, weights and Adam's state.</summary>
    public void SaveCheckpoint(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        writer.Write(CheckpointMagic);
        writer.Write(CheckpointVersion);
        writer.Write(Units);
        writer.Write(Pixels);
        writer.Write(Options.Hidden);
        writer.Write(Options.LinearSkip);
        writer.Write(EpochsCompleted);
        writer.Write(BestEpoch);
        writer.Write(BestValidationLoss);
        writer.Write(StoppedEarly);
        writer.Write(_history.Count);
        foreach (var h in _history)
        {
            writer.Write(h.Epoch);
            writer.Write(h.MaxEpochs);
            writer.Write(h.TrainLoss);
            writer.Write(h.ValidationLoss);
            writer.Write(h.ValidationPixCorr);
            writer.Write(h.BestEpoch);
            writer.Write(h.BestValidationLoss);
            writer.Write(h.StopsEarly);
        }
        _best.Save(writer);
        _model.save(writer);
        _optimizer.save_state_dict(writer);
        writer.Flush();
    }

    /// <summary>Restores a state written by <see cref="SaveCheckpoint"/> into a trainer of the same sizes.</summary>
    /// <exception cref="InvalidDataException">Not such a checkpoint, truncated, or for other sizes.</exception>
    public void LoadCheckpoint(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        try
        {
            if (reader.ReadString() != CheckpointMagic)
            {
                throw new InvalidDataException("Not an image decoder checkpoint (wrong magic).");
            }
            int version = reader.ReadInt32();
            if (version != CheckpointVersion)
            {
                throw new InvalidDataException(
                    $"The image decoder checkpoint has format version {version}; this version reads only version {CheckpointVersion} (version 2 added the linear skip path). Start the run again.");
            }
            int[] sizes = [reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32()];
            bool linearSkip = reader.ReadBoolean();
            if (!sizes.SequenceEqual([Units, Pixels, Options.Hidden]) || linearSkip != Options.LinearSkip)
            {
                throw new InvalidDataException($"The checkpoint is for {sizes[0]} units -> {sizes[2]} hidden -> {sizes[1]} pixels{(linearSkip ? " with a linear skip path" : "")}; this decoder has {Units} -> {Options.Hidden} -> {Pixels}{(Options.LinearSkip ? " with a linear skip path" : "")}.");
            }
            int epochs = reader.ReadInt32(), bestEpoch = reader.ReadInt32();
            double bestLoss = reader.ReadDouble();
            bool stopped = reader.ReadBoolean();
            int count = reader.ReadInt32();
            if (count < 0 || count > epochs)
            {
                throw new InvalidDataException($"The checkpoint claims {count} history entries for {epochs} epochs.");
            }
            var history = new List<ImageDecoderEpoch>(count);
            for (int i = 0; i < count; i++)
            {
                history.Add(new ImageDecoderEpoch(reader.ReadInt32(), reader.ReadInt32(), reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble(),
                    reader.ReadInt32(), reader.ReadDouble(), reader.ReadBoolean(), null));
            }
            var best = BestWeights.Read(reader, _model.parameters());
            _model.load(reader);
            _optimizer.load_state_dict(reader);
            (EpochsCompleted, BestEpoch, BestValidationLoss, StoppedEarly) = (epochs, bestEpoch, bestLoss, stopped);
            _history.Clear();
            _history.AddRange(history);
            _best.Replace(best);
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or ArgumentException or FormatException)
        {
            throw new InvalidDataException($"The image decoder checkpoint could not be read: {e.Message}", e);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _best.Dispose();
        _optimizer.Dispose();
        _model.Dispose();
    }

    /// <summary>The training output: sigmoid of the MLP, or the skip path plus the MLP unclamped (clamping would stop the gradients of pixels outside 0..1).</summary>
    private Tensor Forward(Tensor x) => Options.LinearSkip ? _model.forward(x) : _model.forward(x).sigmoid();

    /// <summary>The decoded pixels as scored: <see cref="Forward"/> clamped to 0..1 (a no-op after the sigmoid).</summary>
    private Tensor Decode(Tensor x) => Options.LinearSkip ? _model.forward(x).clamp(0, 1) : _model.forward(x).sigmoid();

    /// <summary>Mean squared difference of the frozen network's features of the decoded and the true images (decoded clamped to 0..1, as the network expects images).</summary>
    private Tensor FeatureLoss(Tensor decoded, Tensor target)
    {
        Tensor targetFeatures;
        using (no_grad())
        {
            targetFeatures = _featureNetwork!.forward(target);
        }
        return (_featureNetwork.forward(decoded.clamp(0, 1)) - targetFeatures).square().mean();
    }

    private Tensor Penalty()
    {
        var weights = _model.named_parameters()
            .Where(p => p.name.EndsWith("weight", StringComparison.Ordinal) && !p.name.StartsWith(SkipDecoder.SkipName + ".", StringComparison.Ordinal))
            .Select(p => p.parameter).ToList();
        var sum = weights[0].square().mean();
        for (int i = 1; i < weights.Count; i++)
        {
            sum = sum + weights[i].square().mean();
        }
        return sum;
    }

    private (double Loss, double PixCorr, Tensor Decoded) Evaluate(Tensor x, Tensor y)
    {
        _model.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var decoded = Decode(x);
        double loss = (decoded - y).square().mean().item<float>();
        // Pearson r per image over its pixels: the rows of [pixels, images] are the "units" of EncodingScores.
        var (r, _) = EncodingScores.PearsonAndR2(y.t(), decoded.t());
        var values = r.data<double>().ToArray().Where(double.IsFinite).ToArray();
        return (loss, values.Length == 0 ? double.NaN : values.Average(), decoded.MoveToOuterDisposeScope());
    }

    private void Check(Tensor responses, Tensor images, string what)
    {
        ArgumentNullException.ThrowIfNull(responses);
        ArgumentNullException.ThrowIfNull(images);
        if (responses.dim() != 2 || images.dim() != 2 || responses.shape[0] != images.shape[0] || responses.shape[0] < 1
            || responses.shape[1] != Units || images.shape[1] != Pixels)
        {
            throw new ArgumentException($"{what}: responses must be [n, {Units}] and images [n, {Pixels}] with the same n >= 1 (got [{string.Join(", ", responses.shape)}] and [{string.Join(", ", images.shape)}]).");
        }
        using var scope = NewDisposeScope();
        if (!responses.isfinite().all().item<bool>() || !images.isfinite().all().item<bool>())
        {
            throw new ArgumentException($"{what}: responses and images must be finite (NaN or infinite values found).");
        }
    }
}

/// <summary>The decoder with a linear skip path: <c>skip(x) + hidden(x)</c> (the hidden path a second linear layer for a linear decoder).</summary>
internal sealed class SkipDecoder : Module<Tensor, Tensor>
{
    /// <summary>The skip path's module name (its parameters are "skip.weight" and "skip.bias").</summary>
    public const string SkipName = "skip";

    public SkipDecoder(Linear skip, Sequential hidden) : base(nameof(SkipDecoder))
    {
        Skip = skip;
        Hidden = hidden;
        register_module(SkipName, skip);
        register_module("mlp", hidden);
    }

    /// <summary>Linear(units, pixels).</summary>
    public Linear Skip { get; }

    /// <summary>The MLP (hidden, relu, dropout, output; or output alone).</summary>
    public Sequential Hidden { get; }

    public override Tensor forward(Tensor input) => Skip.forward(input) + Hidden.forward(input);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Skip.Dispose();
            Hidden.Dispose();
        }
        base.Dispose(disposing);
    }
}
