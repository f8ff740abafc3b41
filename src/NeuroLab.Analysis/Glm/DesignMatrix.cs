namespace NeuroLab.Analysis.Glm;

/// <summary>
/// A first-level design matrix <c>[scans, regressors]</c>: the condition regressors first (in the caller's
/// order), then any drift regressors, then the constant. Column names follow nilearn: the condition
/// names, <c>drift_1 .. drift_K</c>, <c>constant</c>.
/// </summary>
public sealed class DesignMatrix
{
    private readonly double[,] _values;

    /// <summary>Wraps a matrix whose first <paramref name="conditionCount"/> columns are condition regressors.</summary>
    /// <param name="values">Regressors <c>[scans, regressors]</c>; copied.</param>
    /// <param name="columnNames">One unique name per column.</param>
    /// <param name="conditionCount">How many leading columns are conditions (the rest are nuisance regressors).</param>
    /// <exception cref="ArgumentException">Names that do not match the columns or repeat, or non-finite values.</exception>
    public DesignMatrix(double[,] values, IReadOnlyList<string> columnNames, int conditionCount)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(columnNames);
        if (values.GetLength(0) < 2 || values.GetLength(1) < 1)
        {
            throw new ArgumentException($"Need at least 2 scans and 1 regressor, got [{values.GetLength(0)}, {values.GetLength(1)}].", nameof(values));
        }
        if (columnNames.Count != values.GetLength(1))
        {
            throw new ArgumentException($"{columnNames.Count} names for {values.GetLength(1)} columns.", nameof(columnNames));
        }
        var repeated = columnNames.GroupBy(n => n, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (repeated.Count > 0)
        {
            throw new ArgumentException($"Column names must be unique; repeated: {string.Join(", ", repeated)}.", nameof(columnNames));
        }
        ArgumentOutOfRangeException.ThrowIfNegative(conditionCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(conditionCount, columnNames.Count);
        foreach (double v in values)
        {
            if (!double.IsFinite(v))
            {
                throw new ArgumentException("The design matrix contains NaN or infinite values.", nameof(values));
            }
        }
        _values = (double[,])values.Clone();
        ColumnNames = [.. columnNames];
        Conditions = [.. columnNames.Take(conditionCount)];
    }

    /// <summary>Number of scans (rows).</summary>
    public int ScanCount => _values.GetLength(0);

    /// <summary>Number of regressors (columns).</summary>
    public int RegressorCount => _values.GetLength(1);

    /// <summary>Column names, in column order.</summary>
    public IReadOnlyList<string> ColumnNames { get; }

    /// <summary>Names of the leading condition columns, in column order.</summary>
    public IReadOnlyList<string> Conditions { get; }

    /// <summary>One value of the matrix.</summary>
    public double this[int scan, int regressor] => _values[scan, regressor];

    /// <summary>A copy of the matrix <c>[scans, regressors]</c>.</summary>
    public double[,] ToArray() => (double[,])_values.Clone();

    /// <summary>One column as a new array of length <see cref="ScanCount"/>.</summary>
    public double[] Column(int regressor) => Enumerable.Range(0, ScanCount).Select(s => _values[s, regressor]).ToArray();

    /// <summary>
    /// A contrast vector over all columns: the named columns get the given weights, every other column 0,
    /// e.g. <c>Contrast(("face", 1), ("house", -1))</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A name that is not a column.</exception>
    public double[] Contrast(params (string Column, double Weight)[] weights)
    {
        var contrast = new double[RegressorCount];
        foreach (var (column, weight) in weights)
        {
            int index = ColumnNames.ToList().IndexOf(column);
            if (index < 0)
            {
                throw new ArgumentException($"No column named '{column}'; columns are {string.Join(", ", ColumnNames)}.", nameof(weights));
            }
            contrast[index] += weight;
        }
        return contrast;
    }

    /// <summary>Frame times <c>k * tr</c> for scans <c>k = 0 .. scanCount-1</c> (slice-timing reference 0, nilearn's default).</summary>
    public static double[] FrameTimes(int scanCount, double tr)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(scanCount, 2);
        if (!(tr > 0) || !double.IsFinite(tr))
        {
            throw new ArgumentOutOfRangeException(nameof(tr), tr, "The repetition time must be positive and finite.");
        }
        return Enumerable.Range(0, scanCount).Select(k => k * tr).ToArray();
    }

    /// <summary>
    /// Builds a design the way nilearn's <c>make_first_level_design_matrix</c> / <c>compute_regressor</c> does:
    /// for each condition, a unit boxcar of its events' onsets and durations on a fine grid of
    /// <c>oversampling</c> points per TR that starts <c>minOnset</c> seconds before the first frame,
    /// convolved with the HRF kernel (truncated to the grid) and linearly interpolated at the frame times;
    /// then the drift regressors and the constant. TR is the smallest difference of the frame times.
    /// </summary>
    /// <param name="frameTimes">Acquisition time of each scan in seconds, increasing (see <see cref="FrameTimes"/>).</param>
    /// <param name="events">The run's events; every trial type must be in <paramref name="conditions"/>.</param>
    /// <param name="conditions">Condition names in column order; pass the same list for every run so columns line up.</param>
    /// <param name="hrf">Kernel model; default <see cref="HemodynamicResponse.SpmCanonical"/>.</param>
    /// <param name="drift">Drift model; default <see cref="DriftModel.Cosine"/> at 1/128 Hz.</param>
    /// <param name="oversampling">Fine grid points per TR (nilearn default 50).</param>
    /// <param name="minOnset">Start of the fine grid relative to the first frame, in seconds, at most 0 (nilearn default -24).
    /// Events that start earlier are clamped to the grid start, as in nilearn.</param>
    /// <param name="includeEmptyConditions">When a condition has no events in this run: <c>false</c> (default) throws;
    /// <c>true</c> adds an all-zero column, which <see cref="FirstLevelGlm.Fit"/> reports as not estimable (NaN betas).</param>
    /// <exception cref="ArgumentException">Bad frame times, events, condition list or drift settings; the message says which.</exception>
    public static DesignMatrix Build(
        IReadOnlyList<double> frameTimes,
        IReadOnlyList<TaskEvent> events,
        IReadOnlyList<string> conditions,
        HrfModel? hrf = null,
        DriftModel? drift = null,
        int oversampling = 50,
        double minOnset = -24,
        bool includeEmptyConditions = false)
    {
        ArgumentNullException.ThrowIfNull(frameTimes);
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(conditions);
        ArgumentOutOfRangeException.ThrowIfLessThan(oversampling, 1);
        if (!(minOnset <= 0) || !double.IsFinite(minOnset))
        {
            throw new ArgumentOutOfRangeException(nameof(minOnset), minOnset, "The fine grid must start at or before the first frame (minOnset <= 0).");
        }
        ValidateFrameTimes(frameTimes);
        ValidateEvents(events, conditions, includeEmptyConditions);
        hrf ??= (tr, factor) => HemodynamicResponse.SpmCanonical(tr, factor);
        drift ??= DriftModel.Cosine();

        double repetitionTime = Enumerable.Range(1, frameTimes.Count - 1).Min(k => frameTimes[k] - frameTimes[k - 1]);
        double[] kernel = hrf(repetitionTime, oversampling);
        if (kernel is null || kernel.Length == 0 || !kernel.All(double.IsFinite))
        {
            throw new ArgumentException("The HRF model must return at least one finite sample.", nameof(hrf));
        }
        double[] grid = FineGrid(frameTimes, oversampling, minOnset);

        var columns = conditions
            .Select(c => ConditionRegressor(events.Where(e => e.TrialType == c).ToList(), grid, kernel, frameTimes))
            .Concat(drift.Columns(frameTimes))
            .ToList();
        var names = conditions.ToList();
        names.AddRange(Enumerable.Range(1, columns.Count - conditions.Count - 1).Select(k => $"drift_{k}"));
        names.Add("constant");

        var values = new double[frameTimes.Count, columns.Count];
        for (int j = 0; j < columns.Count; j++)
        {
            for (int s = 0; s < frameTimes.Count; s++)
            {
                values[s, j] = columns[j][s];
            }
        }
        return new DesignMatrix(values, names, conditions.Count);
    }

    /// <summary>nilearn's <c>_sample_condition</c> grid: from <c>t_min + minOnset</c> to <c>t_max (1 + 1/(n-1))</c>.</summary>
    private static double[] FineGrid(IReadOnlyList<double> frameTimes, int oversampling, double minOnset)
    {
        int n = frameTimes.Count;
        double first = frameTimes[0];
        double last = frameTimes[n - 1];
        double stop = last * (1 + (1.0 / (n - 1)));
        double count = ((n - 1) * 1.0 / (last - first) * (stop - first - minOnset) * oversampling) + 1;
        return Sampling.Linspace(first + minOnset, stop, (int)Math.Round(count, MidpointRounding.ToEven));
    }

    /// <summary>
    /// Boxcar of unit events on the fine grid (nilearn: +1 at the first grid point at or after the onset,
    /// -1 at the first at or after onset + duration, one sample later for zero durations, then a cumulative
    /// sum), convolved with the kernel (<c>numpy.convolve(boxcar, kernel)[:len(boxcar)]</c>) and interpolated
    /// at the frame times.
    /// </summary>
    private static double[] ConditionRegressor(List<TaskEvent> events, double[] grid, double[] kernel, IReadOnlyList<double> frameTimes)
    {
        int last = grid.Length - 1;
        var boxcar = new double[grid.Length];
        foreach (var e in events)
        {
            int on = Math.Min(Sampling.SearchSortedLeft(grid, e.Onset), last);
            int off = Math.Min(Sampling.SearchSortedLeft(grid, e.Onset + e.Duration), last);
            if (off < last && off == on)
            {
                off++;
            }
            boxcar[on] += 1;
            boxcar[off] -= 1;
        }
        for (int i = 1; i < boxcar.Length; i++)
        {
            boxcar[i] += boxcar[i - 1];
        }

        // The interpolation reads two grid points per frame, so the convolution is evaluated only there.
        double ConvolvedAt(int i)
        {
            double sum = 0;
            for (int j = 0, end = Math.Min(i, kernel.Length - 1); j <= end; j++)
            {
                sum += boxcar[i - j] * kernel[j];
            }
            return sum;
        }
        return Sampling.InterpolateLinear(grid, ConvolvedAt, frameTimes);
    }

    private static void ValidateFrameTimes(IReadOnlyList<double> frameTimes)
    {
        if (frameTimes.Count < 2)
        {
            throw new ArgumentException($"Need at least 2 frame times, got {frameTimes.Count}.", nameof(frameTimes));
        }
        for (int k = 0; k < frameTimes.Count; k++)
        {
            if (!double.IsFinite(frameTimes[k]) || (k > 0 && frameTimes[k] <= frameTimes[k - 1]))
            {
                throw new ArgumentException($"Frame times must be finite and strictly increasing; frame {k} is {frameTimes[k]}.", nameof(frameTimes));
            }
        }
    }

    private static void ValidateEvents(IReadOnlyList<TaskEvent> events, IReadOnlyList<string> conditions, bool includeEmptyConditions)
    {
        if (conditions.Count == 0)
        {
            throw new ArgumentException("Give at least one condition.", nameof(conditions));
        }
        var repeated = conditions.GroupBy(c => c, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (repeated.Count > 0)
        {
            throw new ArgumentException($"Conditions must be unique; repeated: {string.Join(", ", repeated)}.", nameof(conditions));
        }
        foreach (var e in events)
        {
            if (e is null || e.TrialType is null || !double.IsFinite(e.Onset) || !double.IsFinite(e.Duration) || e.Duration < 0)
            {
                throw new ArgumentException($"Events need a trial type, a finite onset and a finite duration >= 0; got {e}.", nameof(events));
            }
        }
        var unknown = events.Select(e => e.TrialType).Distinct().Where(t => !conditions.Contains(t)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException(
                $"Events have trial types that are not in the condition list: {string.Join(", ", unknown)}. Add them or filter the events.",
                nameof(events));
        }
        var empty = conditions.Where(c => !events.Any(e => e.TrialType == c)).ToList();
        if (empty.Count > 0 && !includeEmptyConditions)
        {
            throw new ArgumentException(
                $"No events for condition(s) {string.Join(", ", empty)} in this run. " +
                "Pass includeEmptyConditions: true to add all-zero columns (reported as not estimable by the fit).",
                nameof(events));
        }
    }
}
