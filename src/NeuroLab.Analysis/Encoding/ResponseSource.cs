using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace NeuroLab.Analysis.Encoding;

/// <summary>
/// Responses <c>[samples, units]</c> (units = voxels or neurons) read a batch of units at a time, so a fit
/// never needs every unit in memory. Use <see cref="FromTensor"/> or <see cref="FromArray(float[], int, int)"/> for
/// data already in memory (e.g. a float32 <c>[n, units]</c> C-order array read from .npy), or subclass it to stream
/// column blocks from disk.
/// </summary>
public abstract class ResponseSource
{
    /// <summary>Describes a source of <paramref name="sampleCount"/> samples by <paramref name="unitCount"/> units.</summary>
    protected ResponseSource(int sampleCount, int unitCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(unitCount, 1);
        SampleCount = sampleCount;
        UnitCount = unitCount;
    }

    /// <summary>Rows: stimuli or time points.</summary>
    public int SampleCount { get; }

    /// <summary>Columns: voxels or neurons.</summary>
    public int UnitCount { get; }

    /// <summary>Wraps a tensor <c>[samples, units]</c> of any real dtype (not copied; batches are copied out of it).</summary>
    public static ResponseSource FromTensor(Tensor responses) => new TensorResponses(responses);

    /// <summary>Wraps row-major (C-order) float32 data <c>[samples, units]</c> without copying it.</summary>
    public static ResponseSource FromArray(float[] data, int samples, int units) => new ArrayResponses<float>(data, samples, units, ScalarType.Float32);

    /// <summary>Wraps row-major (C-order) float64 data <c>[samples, units]</c> without copying it.</summary>
    public static ResponseSource FromArray(double[] data, int samples, int units) => new ArrayResponses<double>(data, samples, units, ScalarType.Float64);

    /// <summary>
    /// Returns a new contiguous tensor <c>[SampleCount, count]</c> of <paramref name="dtype"/> holding units
    /// <c>firstUnit .. firstUnit + count - 1</c> of every sample. The caller owns it and may overwrite it.
    /// </summary>
    public abstract Tensor ReadUnits(int firstUnit, int count, ScalarType dtype);

    private sealed class ArrayResponses<T> : ResponseSource
        where T : unmanaged
    {
        private readonly T[] _data;
        private readonly ScalarType _type;

        public ArrayResponses(T[] data, int samples, int units, ScalarType type)
            : base(samples, units)
        {
            ArgumentNullException.ThrowIfNull(data);
            if ((long)samples * units != data.Length)
            {
                throw new ArgumentException($"{data.Length} values cannot be [{samples}, {units}].", nameof(data));
            }
            _data = data;
            _type = type;
        }

        public override Tensor ReadUnits(int firstUnit, int count, ScalarType dtype)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(firstUnit);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(count, UnitCount - firstUnit);
            var block = empty([SampleCount, count], _type);
            var destination = MemoryMarshal.Cast<byte, T>(block.bytes);
            for (int s = 0; s < SampleCount; s++)
            {
                _data.AsSpan(checked((int)((s * (long)UnitCount) + firstUnit)), count).CopyTo(destination.Slice(checked(s * count), count));
            }
            if (dtype == _type)
            {
                return block;
            }
            using (block)
            {
                return block.to_type(dtype);
            }
        }
    }

    private sealed class TensorResponses : ResponseSource
    {
        private readonly Tensor _responses;

        public TensorResponses(Tensor responses)
            : base(CheckShape(responses, 0), CheckShape(responses, 1))
        {
            _responses = responses;
        }

        public override Tensor ReadUnits(int firstUnit, int count, ScalarType dtype)
        {
            using var block = _responses.narrow(1, firstUnit, count);
            return empty([SampleCount, count], dtype).copy_(block);
        }

        private static int CheckShape(Tensor responses, int dim)
        {
            ArgumentNullException.ThrowIfNull(responses);
            if (responses.dim() != 2 || responses.dtype == ScalarType.Bool || responses.is_complex())
            {
                throw new ArgumentException($"Expected real responses [samples, units], got {responses.dtype} [{string.Join(", ", responses.shape)}].", nameof(responses));
            }
            return checked((int)responses.shape[dim]);
        }
    }
}
