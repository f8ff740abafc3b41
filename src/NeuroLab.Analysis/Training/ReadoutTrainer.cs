using NeuroLab.Analysis.Encoding;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NeuroLab.Analysis.Training;

/// <summary>Where the static <see cref="ReadoutTrainer.Train(Tensor, Tensor, Tensor, Tensor, ReadoutTrainingOptions?, IProgress{EpochProgress}?, CancellationToken, ReadoutCheckpointHooks?)"/>
/// resumes from and where it writes checkpoints.</summary>
public sealed record ReadoutCheckpointHooks
{
    /// <summary>A checkpoint written by <see cref="ReadoutTrainer.SaveCheckpoint"/> to resume from (read from its current position; not disposed).</summary>
    public Stream? ResumeFrom { get; init; }

    /// <summary>Called after every epoch with the epoch number; return a writable stream to receive a checkpoint of that epoch
    /// (the trainer writes and disposes it) or null to skip.</summary>
    public Func<int, Stream?>? CheckpointAfterEpoch { get; init; }
}

/// <summary>
/// Trains a <see cref="FactorizedReadout"/> from feature maps to responses with Adam on seeded mini-batches, L1 penalties on
/// masks and feature weights, and early stopping on the validation mean Pearson r; can checkpoint and resume exactly.
/// </summary>
/// <remarks>
/// <para>Per epoch e (from 1): the training samples are visited in the order of a SplitMix64 permutation seeded from
/// <c>(Seed, e)</c>, in mini-batches of <see cref="ReadoutTrainingOptions.BatchSize"/>; each batch takes one Adam step on the
/// objective documented on <see cref="ReadoutTrainingOptions"/>. Then the model is scored on the validation set in evaluation
/// mode. The best epoch is the one with the highest validation mean r (improving by more than
/// <see cref="ReadoutTrainingOptions.MinImprovement"/>); its weights are kept, and training stops when
/// <see cref="ReadoutTrainingOptions.Patience"/> epochs have passed without a better one, or after
/// <see cref="ReadoutTrainingOptions.MaxEpochs"/>. The result carries the best epoch's weights. Before the first epoch each
/// unit's bias is set to the output nonlinearity's inverse at its mean training response, so training starts from the mean.</para>
/// <para>Because the shuffling of an epoch depends only on the seed and the epoch number, and a checkpoint holds the weights,
/// Adam's moment estimates and step counts (TorchSharp's <c>OptimizerHelper.save_state_dict</c>, the raw tensors), the epoch
/// count and the best-so-far state, a run resumed from the checkpoint of epoch k continues with the same arithmetic as a run
/// that never stopped (same libtorch build and thread count).</para>
/// <para>Data are used as given (convert to float32 before, z-score the feature maps if their scales differ); everything runs
/// on the device of the model (CPU).</para>
/// </remarks>
public sealed class ReadoutTrainer : IDisposable
{
    private const string CheckpointMagic = "NeuroLab.FactorizedReadout.Checkpoint";
    private const int CheckpointVersion = 1;

    private readonly FactorizedReadout _model;
    private readonly Adam _optimizer;
    private readonly List<EpochProgress> _history = [];
    private readonly BestWeights _best = new();

    /// <summary>Creates a model with seeded initial weights and its optimizer.</summary>
    /// <param name="channels">Feature channels c of the input maps.</param>
    /// <param name="height">Height h of the input maps.</param>
    /// <param name="width">Width w of the input maps.</param>
    /// <param name="units">Neurons or voxels predicted.</param>
    /// <param name="options">Settings; defaults when null.</param>
    /// <exception cref="ArgumentException">An invalid setting (the message names it).</exception>
    public ReadoutTrainer(int channels, int height, int width, int units, ReadoutTrainingOptions? options = null)
    {
        Options = options ?? new ReadoutTrainingOptions();
        Options.Validate();
        // Nothing here draws from libtorch's generator (initial weights and shuffles come from SplitMix64); seeding it
        // anyway keeps any libtorch randomness added later reproducible.
        manual_seed(unchecked((long)Options.Seed));
        _model = new FactorizedReadout(channels, height, width, units, Options.Nonlinearity, Options.Seed);
        _optimizer = new Adam(_model.parameters(), Options.LearningRate, Options.Beta1, Options.Beta2);
    }

    /// <summary>The settings in use.</summary>
    public ReadoutTrainingOptions Options { get; }

    /// <summary>The model being trained (its current, not its best, weights).</summary>
    public FactorizedReadout Model => _model;

    /// <summary>Epochs finished so far, including those restored from a checkpoint.</summary>
    public int EpochsCompleted { get; private set; }

    /// <summary>Best validation mean Pearson r so far (negative infinity before the first epoch).</summary>
    public double BestValidationMeanR { get; private set; } = double.NegativeInfinity;

    /// <summary>Epoch of <see cref="BestValidationMeanR"/> (0 before the first epoch).</summary>
    public int BestEpoch { get; private set; }

    /// <summary>True once early stopping has ended the run.</summary>
    public bool StoppedEarly { get; private set; }

    /// <summary>One entry per finished epoch.</summary>
    public IReadOnlyList<EpochProgress> History => _history;

    /// <summary>Trains a new model, optionally resuming from and writing checkpoints.</summary>
    /// <param name="trainFeatures">Training feature maps <c>[n, c, h, w]</c>, floating point.</param>
    /// <param name="trainResponses">Training responses <c>[n, units]</c>.</param>
    /// <param name="validationFeatures">Validation feature maps <c>[nVal, c, h, w]</c>, nVal ≥ 2.</param>
    /// <param name="validationResponses">Validation responses <c>[nVal, units]</c>.</param>
    /// <param name="options">Settings; defaults when null.</param>
    /// <param name="progress">Told after each epoch.</param>
    /// <param name="cancellationToken">Checked before every mini-batch.</param>
    /// <param name="checkpoints">Resume and checkpoint hooks; none when null.</param>
    /// <returns>The model with the best epoch's weights.</returns>
    /// <exception cref="ArgumentException">Shapes that disagree, NaN or infinite values, negative responses with the Poisson loss, bad options.</exception>
    /// <exception cref="InvalidDataException">The checkpoint to resume from is not one, or belongs to a different model.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static ReadoutModel Train(
        Tensor trainFeatures, Tensor trainResponses, Tensor validationFeatures, Tensor validationResponses,
        ReadoutTrainingOptions? options = null, IProgress<EpochProgress>? progress = null, CancellationToken cancellationToken = default,
        ReadoutCheckpointHooks? checkpoints = null)
    {
        ArgumentNullException.ThrowIfNull(trainFeatures);
        ArgumentNullException.ThrowIfNull(trainResponses);
        if (trainFeatures.dim() != 4 || trainResponses.dim() != 2)
        {
            throw new ArgumentException(
                $"trainFeatures must be [n, channels, height, width] and trainResponses [n, units]; got {ReadoutData.Shape(trainFeatures)} and {ReadoutData.Shape(trainResponses)}.",
                trainFeatures.dim() != 4 ? nameof(trainFeatures) : nameof(trainResponses));
        }
        using var trainer = new ReadoutTrainer(
            (int)trainFeatures.shape[1], (int)trainFeatures.shape[2], (int)trainFeatures.shape[3], (int)trainResponses.shape[1], options);
        if (checkpoints?.ResumeFrom is { } resume)
        {
            trainer.LoadCheckpoint(resume);
        }
        Action<ReadoutTrainer, EpochProgress>? afterEpoch = checkpoints?.CheckpointAfterEpoch is { } open
            ? (t, p) =>
            {
                using var stream = open(p.Epoch);
                if (stream is not null)
                {
                    t.SaveCheckpoint(stream);
                }
            }
        : null;
        return trainer.Train(trainFeatures, trainResponses, validationFeatures, validationResponses, progress, afterEpoch, cancellationToken);
    }

    /// <summary>Trains from epoch <see cref="EpochsCompleted"/> + 1 until early stopping or <see cref="ReadoutTrainingOptions.MaxEpochs"/>.</summary>
    /// <param name="trainFeatures">Training feature maps <c>[n, c, h, w]</c>, floating point.</param>
    /// <param name="trainResponses">Training responses <c>[n, units]</c>.</param>
    /// <param name="validationFeatures">Validation feature maps <c>[nVal, c, h, w]</c>, nVal ≥ 2.</param>
    /// <param name="validationResponses">Validation responses <c>[nVal, units]</c>.</param>
    /// <param name="progress">Told after each epoch.</param>
    /// <param name="afterEpoch">Called after each epoch (after <paramref name="progress"/>), e.g. to <see cref="SaveCheckpoint"/>.</param>
    /// <param name="cancellationToken">Checked before every mini-batch; a run cancelled mid-epoch keeps the partly trained weights
    /// but resumes correctly only from a checkpoint taken at an epoch's end.</param>
    /// <returns>A new model with the best epoch's weights (the current weights if no epoch has run).</returns>
    /// <exception cref="ArgumentException">Shapes that disagree, NaN or infinite values, negative responses with the Poisson loss.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public ReadoutModel Train(
        Tensor trainFeatures, Tensor trainResponses, Tensor validationFeatures, Tensor validationResponses,
        IProgress<EpochProgress>? progress = null, Action<ReadoutTrainer, EpochProgress>? afterEpoch = null, CancellationToken cancellationToken = default)
    {
        bool poisson = Options.Loss == ReadoutLoss.Poisson;
        ReadoutData.CheckFeatures(trainFeatures, nameof(trainFeatures), _model);
        ReadoutData.CheckResponses(trainResponses, nameof(trainResponses), trainFeatures, nameof(trainFeatures), _model, poisson);
        ReadoutData.CheckFeatures(validationFeatures, nameof(validationFeatures), _model, minimumSamples: 2);
        ReadoutData.CheckResponses(validationResponses, nameof(validationResponses), validationFeatures, nameof(validationFeatures), _model, poisson);

        TrainEpochs(trainFeatures, trainResponses, validationFeatures, validationResponses, progress, afterEpoch, cancellationToken);
        return CreateModel();
    }

    private void TrainEpochs(
        Tensor trainFeatures, Tensor trainResponses, Tensor validationFeatures, Tensor validationResponses,
        IProgress<EpochProgress>? progress, Action<ReadoutTrainer, EpochProgress>? afterEpoch, CancellationToken cancellationToken)
    {
        using var data = NewDisposeScope();
        var x = trainFeatures.to_type(ScalarType.Float32).contiguous();
        var y = trainResponses.to_type(ScalarType.Float32).contiguous();
        var xVal = validationFeatures.to_type(ScalarType.Float32).contiguous();
        var yVal = validationResponses.to_type(ScalarType.Float32).contiguous();
        int n = (int)x.shape[0];
        if (EpochsCompleted == 0)
        {
            StartBiasAtMean(y);
        }

        for (int epoch = EpochsCompleted + 1; epoch <= Options.MaxEpochs && !StoppedEarly; epoch++)
        {
            _model.train();
            long[] order = EpochOrder(Options.Seed, epoch, n);
            double lossSum = 0;
            double penaltySum = 0;
            for (int start = 0; start < n; start += Options.BatchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var batch = NewDisposeScope();
                int count = Math.Min(Options.BatchSize, n - start);
                var index = tensor(order.AsSpan(start, count).ToArray(), ScalarType.Int64);
                _optimizer.zero_grad();
                var prediction = _model.forward(x.index_select(0, index));
                var loss = DataLoss(prediction, y.index_select(0, index));
                var (maskL1, featureL1) = _model.L1PerUnit();
                var penalty = (maskL1 * Options.MaskL1) + (featureL1 * Options.FeatureL1);
                (loss + penalty).backward();
                _optimizer.step();
                lossSum += loss.item<float>() * count;
                penaltySum += penalty.item<float>() * count;
            }

            var (validationLoss, validationR) = Evaluate(xVal, yVal);
            double meanR = validationR.Average();
            if (meanR > BestValidationMeanR + Options.MinImprovement)
            {
                BestValidationMeanR = meanR;
                BestEpoch = epoch;
                _best.Keep(_model.parameters());
            }
            StoppedEarly = epoch - BestEpoch >= Options.Patience && epoch < Options.MaxEpochs;
            EpochsCompleted = epoch;
            var report = new EpochProgress(
                epoch, Options.MaxEpochs, lossSum / n, penaltySum / n, validationLoss, meanR, BestValidationMeanR, BestEpoch, StoppedEarly);
            _history.Add(report);
            progress?.Report(report);
            afterEpoch?.Invoke(this, report);
        }
    }

    /// <summary>Writes the complete training state: sizes, epoch count, best-so-far (score, epoch, weights), history, current
    /// weights (<c>Module.save</c>) and Adam's state (<c>OptimizerHelper.save_state_dict</c>: step counts and moment tensors, raw).</summary>
    /// <param name="stream">A writable stream; written from its current position and left open.</param>
    public void SaveCheckpoint(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        writer.Write(CheckpointMagic);
        writer.Write(CheckpointVersion);
        writer.Write(_model.Channels);
        writer.Write(_model.Height);
        writer.Write(_model.Width);
        writer.Write(_model.Units);
        writer.Write((int)_model.Nonlinearity);
        writer.Write(EpochsCompleted);
        writer.Write(BestValidationMeanR);
        writer.Write(BestEpoch);
        writer.Write(StoppedEarly);
        writer.Write(_history.Count);
        foreach (var h in _history)
        {
            writer.Write(h.Epoch);
            writer.Write(h.MaxEpochs);
            writer.Write(h.TrainLoss);
            writer.Write(h.TrainPenalty);
            writer.Write(h.ValidationLoss);
            writer.Write(h.ValidationMeanR);
            writer.Write(h.BestValidationMeanR);
            writer.Write(h.BestEpoch);
            writer.Write(h.StopsEarly);
        }
        _best.Save(writer);
        _model.save(writer);
        _optimizer.save_state_dict(writer);
        writer.Flush();
    }

    /// <summary>Restores a state written by <see cref="SaveCheckpoint"/> into this trainer, which must have been created with the
    /// same sizes and nonlinearity (the other options are this trainer's: resume with the options of the interrupted run for an
    /// identical continuation).</summary>
    /// <param name="stream">A readable stream positioned at the checkpoint; left open.</param>
    /// <exception cref="InvalidDataException">Not a checkpoint, truncated, or written for a model of other sizes.</exception>
    public void LoadCheckpoint(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        try
        {
            if (reader.ReadString() != CheckpointMagic)
            {
                throw new InvalidDataException("Not a factorized readout checkpoint (wrong magic).");
            }
            int version = reader.ReadInt32();
            if (version != CheckpointVersion)
            {
                throw new InvalidDataException($"Checkpoint version {version} is not supported (expected {CheckpointVersion}).");
            }
            int[] sizes = [reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32()];
            int[] mine = [_model.Channels, _model.Height, _model.Width, _model.Units, (int)_model.Nonlinearity];
            if (!sizes.SequenceEqual(mine))
            {
                throw new InvalidDataException(
                    $"The checkpoint is for {sizes[0]} channels of {sizes[1]} x {sizes[2]} -> {sizes[3]} units ({(ReadoutNonlinearity)sizes[4]}); " +
                    $"this trainer has {mine[0]} channels of {mine[1]} x {mine[2]} -> {mine[3]} units ({_model.Nonlinearity}).");
            }
            int epochs = reader.ReadInt32();
            double bestR = reader.ReadDouble();
            int bestEpoch = reader.ReadInt32();
            bool stopped = reader.ReadBoolean();
            int historyCount = reader.ReadInt32();
            if (historyCount < 0 || historyCount > epochs)
            {
                throw new InvalidDataException($"The checkpoint claims {historyCount} history entries for {epochs} epochs.");
            }
            var history = new List<EpochProgress>(historyCount);
            for (int i = 0; i < historyCount; i++)
            {
                history.Add(new EpochProgress(
                    reader.ReadInt32(), reader.ReadInt32(), reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble(),
                    reader.ReadDouble(), reader.ReadDouble(), reader.ReadInt32(), reader.ReadBoolean()));
            }
            var best = BestWeights.Read(reader, _model.parameters());
            _model.load(reader);
            _optimizer.load_state_dict(reader);

            EpochsCompleted = epochs;
            BestValidationMeanR = bestR;
            BestEpoch = bestEpoch;
            StoppedEarly = stopped;
            _history.Clear();
            _history.AddRange(history);
            _best.Replace(best);
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or ArgumentException or FormatException)
        {
            throw new InvalidDataException($"The readout checkpoint could not be read: {e.Message}", e);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _best.Dispose();
        _optimizer.Dispose();
        _model.Dispose();
    }

    /// <summary>The order of the training samples in epoch <paramref name="epoch"/>: a function of the seed and the epoch only.</summary>
    internal static long[] EpochOrder(ulong seed, int epoch, int n) =>
        new SplitMix64(unchecked(seed + ((ulong)epoch * 0xD1B54A32D192ED03UL))).Permutation(n);

    private Tensor DataLoss(Tensor prediction, Tensor target) => Options.Loss switch
    {
        ReadoutLoss.Poisson => (prediction - (target * (prediction + 1e-8).log())).mean(),
        _ => (prediction - target).square().mean(),
    };

    private (double Loss, double[] R) Evaluate(Tensor x, Tensor y)
    {
        _model.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var prediction = ReadoutModel.PredictInBatches(_model, x, Options.EvaluationBatchSize);
        double loss = DataLoss(prediction, y).item<float>();
        var (r, _) = EncodingScores.PearsonAndR2(y, prediction);
        return (loss, r.data<double>().ToArray());
    }

    private void StartBiasAtMean(Tensor responses)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        double[] means = responses.to_type(ScalarType.Float64).mean([0L]).data<double>().ToArray();
        float[] bias = [.. means.Select(m => (float)_model.InverseNonlinearity(m))];
        _model.Bias.copy_(tensor(bias));
    }

    private ReadoutModel CreateModel()
    {
        var readout = new FactorizedReadout(_model.Channels, _model.Height, _model.Width, _model.Units, _model.Nonlinearity);
        if (_best.Has)
        {
            _best.CopyTo(readout.parameters());
        }
        else
        {
            using var noGrad = no_grad();
            var source = _model.parameters().ToArray();
            var target = readout.parameters().ToArray();
            for (int i = 0; i < target.Length; i++)
            {
                target[i].copy_(source[i]);
            }
        }
        return new ReadoutModel(readout, [.. _history], BestEpoch, BestValidationMeanR, StoppedEarly);
    }
}
