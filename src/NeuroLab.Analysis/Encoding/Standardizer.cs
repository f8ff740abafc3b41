using TorchSharp;
using static TorchSharp.torch;

namespace NeuroLab.Analysis.Encoding;

/// <summary>
/// Column-wise z-scoring with statistics taken from training data only, so test data never leaks
/// into the model: <c>z = (x - mean_train) / sd_train</c>, where <c>sd_train</c> is the population
/// standard deviation (divisor n). Columns whose training standard deviation is zero are reported in
/// <see cref="ConstantColumns"/> and mapped to zero rather than to NaN.
/// </summary>
public sealed class Standardizer : IDisposable
{
    private readonly Tensor _mean;
    private readonly Tensor _scale;

    private Standardizer(Tensor mean, Tensor scale, IReadOnlyList<int> constantColumns)
    {
        _mean = mean;
        _scale = scale;
        ConstantColumns = constantColumns;
    }

    /// <summary>Indices of columns that were constant in the training data.</summary>
    public IReadOnlyList<int> ConstantColumns { get; }

    /// <summary>Learns per-column mean and standard deviation.</summary>
    /// <param name="train">Training data <c>[nSamples, nColumns]</c>, floating point, at least two rows.</param>
    /// <exception cref="ArgumentException">Wrong rank, fewer than two rows, or non-finite values.</exception>
    public static Standardizer Fit(Tensor train)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (train.dim() != 2)
        {
            throw new ArgumentException($"Expected a 2-D [samples, columns] matrix, got shape [{string.Join(", ", train.shape)}].", nameof(train));
        }
        if (train.shape[0] < 2)
        {
            throw new ArgumentException($"Need at least two training samples to estimate a standard deviation, got {train.shape[0]}.", nameof(train));
        }
        if (!train.is_floating_point())
        {
            throw new ArgumentException($"Expected floating-point data, got {train.dtype}.", nameof(train));
        }

        using var scope = NewDisposeScope();
        if (!isfinite(train).all().item<bool>())
        {
            throw new ArgumentException("Training data contains NaN or infinite values.", nameof(train));
        }
        var mean = train.mean([0L], keepdim: true);
        var sd = train.std(0L, unbiased: false, keepdim: true);
        var constant = sd.squeeze(0).le(0);
        var constantColumns = nonzero(constant).flatten().data<long>().Select(i => (int)i).ToArray();
        // Constant columns: divide by 1 after centring, which yields exact zeros.
        var scale = where(constant.unsqueeze(0), ones_like(sd), sd);
        return new Standardizer(mean.MoveToOuterDisposeScope(), scale.MoveToOuterDisposeScope(), constantColumns);
    }

    /// <summary>Applies the training statistics to <paramref name="data"/> <c>[nSamples, nColumns]</c>.</summary>
    public Tensor Transform(Tensor data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.dim() != 2 || data.shape[1] != _mean.shape[1])
        {
            throw new ArgumentException($"Expected [samples, {_mean.shape[1]}], got [{string.Join(", ", data.shape)}].", nameof(data));
        }
        return (data - _mean) / _scale;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _mean.Dispose();
        _scale.Dispose();
    }
}
