using NeuroLab.Analysis.Encoding;

namespace NeuroLab.Analysis.Rsa;

/// <summary>One thread's buffers for <see cref="RsaInference.Bootstrap"/>: draws a resample and gathers the models,
/// the subject-mean RDM and the subjects onto it, reusing every array across the resamples the thread runs.</summary>
internal sealed class Resampler
{
    private readonly int _n, _s;
    private readonly RdmComparisonMethod _method;
    private readonly bool _rankOnly;
    private readonly int[] _stimuli, _subjects, _map;
    private readonly RdmComparer _comparer;
    private readonly int[][] _modelKeys;
    private readonly double[][] _modelValues;
    private readonly double[] _mean, _dataValues;
    private readonly int[] _dataKeys;
    private double[][]? _subjectValues;
    private int[][]? _subjectKeys;
    private readonly double[] _ceilingBuffer;
    private bool _stimuliDrawn;

    public Resampler(int n, int models, int subjects, RdmComparisonMethod method, bool rankOnly)
    {
        int m = Rdm.Size(n);
        _n = n;
        _s = subjects;
        _method = method;
        _rankOnly = rankOnly;
        _stimuli = new int[n];
        _subjects = new int[subjects];
        _map = new int[m];
        _comparer = new RdmComparer(method);
        _modelKeys = rankOnly ? [.. Enumerable.Range(0, models).Select(_ => new int[m])] : [];
        _modelValues = rankOnly ? [] : [.. Enumerable.Range(0, models).Select(_ => new double[m])];
        _mean = new double[m];
        _dataValues = new double[m];
        _dataKeys = new int[m];
        _ceilingBuffer = new double[subjects];
    }

    public void Draw(ulong seed, bool stimuli, bool subjects)
    {
        var rng = new SplitMix64(seed);
        _stimuliDrawn = stimuli;
        if (stimuli)
        {
            for (int a = 0; a < _n; a++)
            {
                _stimuli[a] = (int)(rng.Next() % (ulong)_n);
            }
            // Condition order does not change any comparison (all are invariant to relabelling the conditions), and a
            // sorted sample makes the gather below walk each original row forwards instead of jumping around.
            Array.Sort(_stimuli);
            RsaInference.ResampleIndex(_stimuli, _n, _map);
        }
        for (int t = 0; t < _s; t++)
        {
            _subjects[t] = subjects ? (int)(rng.Next() % (ulong)_s) : t;
        }
    }

    public void Run(RankedRdm[] models, RankedRdm[] preparedSubjects, IReadOnlyList<double[]> subjects, RankedRdm preparedMean, double[] mean, bool subjectsDrawn, Span<double> into)
    {
        RankedRdm data;
        if (subjectsDrawn)
        {
            MeanOfDrawn(subjects, _mean);
            double[] values = _mean;
            if (_stimuliDrawn)
            {
                Gather(_mean, _dataValues);
                values = _dataValues;
            }
            data = _rankOnly ? new RankedRdm(values, _dataKeys, RankedRdm.DenseKeys(values, _dataKeys)) : new RankedRdm(values, null, 0);
        }
        else if (_stimuliDrawn)
        {
            data = GatherRdm(preparedMean, mean, _dataValues, _dataKeys);
        }
        else
        {
            data = preparedMean;
        }
        var gathered = models;
        if (_stimuliDrawn)
        {
            gathered = new RankedRdm[models.Length];
            for (int i = 0; i < models.Length; i++)
            {
                gathered[i] = GatherRdm(models[i], models[i].Values, _rankOnly ? [] : _modelValues[i], _rankOnly ? _modelKeys[i] : []);
            }
        }
        _comparer.CompareAll(gathered, data, into);
    }

    /// <summary>The noise ceiling of the drawn subjects on the drawn stimuli.</summary>
    public NoiseCeilingResult Ceiling(RankedRdm[] preparedSubjects, IReadOnlyList<double[]> subjects)
    {
        int m = _map.Length;
        _subjectValues ??= [.. Enumerable.Range(0, _s).Select(_ => new double[m])];
        _subjectKeys ??= _rankOnly ? [.. Enumerable.Range(0, _s).Select(_ => new int[m])] : [];
        var prepared = new RankedRdm[_s];
        var values = new double[_s][];
        for (int t = 0; t < _s; t++)
        {
            int subject = _subjects[t];
            if (_stimuliDrawn)
            {
                values[t] = _subjectValues[t];
                prepared[t] = GatherRdm(preparedSubjects[subject], subjects[subject], _subjectValues[t], _rankOnly ? _subjectKeys[t] : []);
            }
            else
            {
                values[t] = subjects[subject];
                prepared[t] = preparedSubjects[subject];
            }
        }
        return RsaNoiseCeiling.Compute(prepared, values, _method, _comparer, _ceilingBuffer);
    }

    private void MeanOfDrawn(IReadOnlyList<double[]> subjects, double[] into)
    {
        Array.Clear(into);
        var count = _dataKeys; // scratch; the keys are rebuilt after the mean
        Array.Clear(count);
        for (int t = 0; t < _s; t++)
        {
            var v = subjects[_subjects[t]];
            for (int k = 0; k < into.Length; k++)
            {
                if (!double.IsNaN(v[k]))
                {
                    into[k] += v[k];
                    count[k]++;
                }
            }
        }
        for (int k = 0; k < into.Length; k++)
        {
            into[k] = count[k] == 0 ? double.NaN : into[k] / count[k];
        }
    }

    private void Gather(double[] source, double[] into)
    {
        for (int k = 0; k < _map.Length; k++)
        {
            int o = _map[k];
            into[k] = o < 0 ? double.NaN : source[o];
        }
    }

    /// <summary>The resampled RDM: gathered keys (rank methods; the original key count still bounds them) or values.</summary>
    private RankedRdm GatherRdm(RankedRdm source, double[] sourceValues, double[] values, int[] keys)
    {
        if (_rankOnly)
        {
            var sk = source.Keys!;
            for (int k = 0; k < _map.Length; k++)
            {
                int o = _map[k];
                keys[k] = o < 0 ? -1 : sk[o];
            }
            if (values.Length == _map.Length && !ReferenceEquals(values, sourceValues))
            {
                Gather(sourceValues, values);
            }
            return new RankedRdm(values.Length == _map.Length ? values : [], keys, source.KeyCount);
        }
        Gather(sourceValues, values);
        return new RankedRdm(values, null, 0);
    }
}
