using static TorchSharp.torch;

namespace NeuroLab.Analysis.Encoding;

/// <summary>
/// The split of the training samples into cross-validation folds, as row indices. Folds whose rows are one
/// contiguous block are taken with <c>narrow</c> (a view, no copy); others with <c>index_select</c>.
/// </summary>
internal sealed class FoldPlan : IDisposable
{
    private readonly Tensor[] _validationRows;
    private readonly Tensor[] _trainingRows;
    private readonly (long Start, long Length)?[] _blocks;

    public FoldPlan(int[] foldOfSample)
    {
        FoldOfSample = foldOfSample;
        Samples = foldOfSample.Length;
        Count = foldOfSample.Max() + 1;
        _validationRows = new Tensor[Count];
        _trainingRows = new Tensor[Count];
        _blocks = new (long, long)?[Count];
        Sizes = new int[Count];
        for (int f = 0; f < Count; f++)
        {
            long[] validation = [.. Enumerable.Range(0, Samples).Where(i => foldOfSample[i] == f).Select(i => (long)i)];
            long[] training = [.. Enumerable.Range(0, Samples).Where(i => foldOfSample[i] != f).Select(i => (long)i)];
            Sizes[f] = validation.Length;
            _validationRows[f] = tensor(validation);
            _trainingRows[f] = tensor(training);
            bool contiguous = validation[^1] - validation[0] == validation.Length - 1;
            _blocks[f] = contiguous ? (validation[0], validation.Length) : null;
        }
    }

    public int[] FoldOfSample { get; }

    public int Samples { get; }

    public int Count { get; }

    /// <summary>Validation samples per fold.</summary>
    public int[] Sizes { get; }

    /// <summary>The validation rows of fold <paramref name="fold"/> (a view where the fold is one block).</summary>
    public Tensor ValidationRows(Tensor data, int fold) =>
        _blocks[fold] is { } block ? data.narrow(0, block.Start, block.Length) : data.index_select(0, _validationRows[fold]);

    /// <summary>The training rows of fold <paramref name="fold"/> (a copy).</summary>
    public Tensor TrainingRows(Tensor data, int fold) => data.index_select(0, _trainingRows[fold]);

    public void Dispose()
    {
        foreach (var t in _validationRows.Concat(_trainingRows))
        {
            t.Dispose();
        }
    }
}
