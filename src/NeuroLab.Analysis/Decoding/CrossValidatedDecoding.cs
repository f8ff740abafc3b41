using NeuroLab.Analysis.Encoding;

namespace NeuroLab.Analysis.Decoding;

/// <summary>
/// Samples to decode: features <c>X</c> [n, p] (row-major), each sample's class 0..classes-1 and group (run) index.
/// </summary>
public sealed record DecodingSamples(double[] X, int Samples, int Features, int[] Labels, int[] Groups, string[] ClassNames)
{
    /// <summary>The number of classes.</summary>
    public int Classes => ClassNames.Length;

    /// <summary>The same samples restricted to the feature columns <paramref name="columns"/>.</summary>
    public DecodingSamples WithFeatures(IReadOnlyList<int> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var x = new double[Samples * columns.Count];
        for (int i = 0; i < Samples; i++)
        {
            for (int j = 0; j < columns.Count; j++)
            {
                x[i * columns.Count + j] = X[i * Features + columns[j]];
            }
        }
        return this with { X = x, Features = columns.Count };
    }
}

/// <summary>The outcome of <see cref="CrossValidatedDecoding.Run"/>.</summary>
/// <param name="Predicted">The held-out prediction of every sample [n].</param>
/// <param name="Confusion">Counts [true class, predicted class].</param>
/// <param name="FoldGroups">The group held out in each fold, in fold order.</param>
/// <param name="FoldAccuracies">Accuracy on each held-out group.</param>
/// <param name="Accuracy">Fraction of samples predicted right.</param>
/// <param name="BalancedAccuracy">Mean of the classes' recalls.</param>
/// <param name="Recall">Per class, the fraction of its samples predicted right [classes].</param>
/// <param name="ChanceUniform">1 / classes.</param>
/// <param name="ChanceMajority">The largest class's share of the samples (always guessing it).</param>
/// <param name="ChosenC">The SVM's C chosen by the inner CV of each fold (empty for the other classifiers).</param>
/// <param name="Null">Accuracy under each label permutation (empty without a permutation test).</param>
/// <param name="PValue">(1 + #null ≥ observed) / (1 + permutations); NaN without a permutation test.</param>
public sealed record DecodingResult(
    int[] Predicted, int[,] Confusion, int[] FoldGroups, double[] FoldAccuracies, double[] ChosenC, double Accuracy, double BalancedAccuracy,
    double[] Recall, double ChanceUniform, double ChanceMajority, double[] Null, double PValue);

/// <summary>
/// Leave-one-group-out (leave-one-run-out) decoding: for each group, z-score every feature with the mean and
/// (population) standard deviation of the other groups' samples (a constant feature keeps scale 1, as scikit-learn's
/// <c>StandardScaler</c>), fit the classifier on them and predict the held-out group. The SVM's C is chosen per fold by
/// an inner leave-one-group-out CV on the training groups (mean of the inner folds' accuracies; ties to the smaller C).
/// The permutation test shuffles the labels within each group (SplitMix64, one permutation after the other from the
/// seed) and runs the same cross-validation, except that the SVM keeps each fold's C chosen on the true labels;
/// p = (1 + #{null ≥ observed}) / (1 + N) (Phipson and Smyth 2010).
/// </summary>
public static class CrossValidatedDecoding
{
    /// <summary>Decodes <paramref name="data"/> with leave-one-group-out CV and, optionally, a permutation test.</summary>
    public static DecodingResult Run(DecodingSamples data, DecodingOptions options, IProgress<DecodingProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        var groups = data.Groups.Distinct().Order().ToArray();
        if (groups.Length < 2)
        {
            throw new ArgumentException("Leave-one-group-out needs at least two groups.", nameof(data));
        }
        var chosen = new double[groups.Length];
        var predicted = new int[data.Samples];
        int done = 0;
        Parallel.For(0, groups.Length, new ParallelOptions { CancellationToken = ct }, f =>
        {
            var (c, foldPredictions, testRows) = Fold(data, data.Labels, groups[f], options, null);
            chosen[f] = c;
            for (int t = 0; t < testRows.Length; t++)
            {
                predicted[testRows[t]] = foldPredictions[t];
            }
            progress?.Report(new DecodingProgress("folds", Interlocked.Increment(ref done), groups.Length));
        });
        var foldAccuracies = groups.Select(g => Accuracy(data.Labels, predicted, i => data.Groups[i] == g)).ToArray();
        double accuracy = Accuracy(data.Labels, predicted, _ => true);

        var confusion = new int[data.Classes, data.Classes];
        for (int i = 0; i < data.Samples; i++)
        {
            confusion[data.Labels[i], predicted[i]]++;
        }
        var counts = Enumerable.Range(0, data.Classes).Select(c => data.Labels.Count(l => l == c)).ToArray();
        var recall = Enumerable.Range(0, data.Classes).Select(c => counts[c] == 0 ? double.NaN : (double)confusion[c, c] / counts[c]).ToArray();

        var nullAccuracies = new double[options.Permutations];
        double pValue = double.NaN;
        if (options.Permutations > 0)
        {
            var permutations = PermutedLabels(data.Labels, data.Groups, options.Permutations, options.Seed);
            int finished = 0;
            Parallel.For(0, options.Permutations, new ParallelOptions { CancellationToken = ct }, b =>
            {
                var labels = permutations[b];
                var permutedPredictions = new int[data.Samples];
                for (int f = 0; f < groups.Length; f++)
                {
                    var (_, foldPredictions, testRows) = Fold(data, labels, groups[f], options, options.Classifier == DecodingClassifier.LinearSvm ? chosen[f] : null);
                    for (int t = 0; t < testRows.Length; t++)
                    {
                        permutedPredictions[testRows[t]] = foldPredictions[t];
                    }
                }
                nullAccuracies[b] = Accuracy(labels, permutedPredictions, _ => true);
                progress?.Report(new DecodingProgress("permutations", Interlocked.Increment(ref finished), options.Permutations));
            });
            pValue = (1.0 + nullAccuracies.Count(a => a >= accuracy - 1e-12)) / (1.0 + options.Permutations);
        }

        return new DecodingResult(predicted, confusion, groups, foldAccuracies, options.Classifier == DecodingClassifier.LinearSvm ? chosen : [], accuracy,
            recall.Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average(), recall, 1.0 / data.Classes, (double)counts.Max() / data.Samples,
            nullAccuracies, pValue);
    }

    /// <summary>
    /// Leave-one-group-out accuracy of <paramref name="data"/> without permutations, folds one after the other (for
    /// callers that parallelise over many small problems, like a searchlight); the SVM at the fixed <paramref name="c"/>.
    /// </summary>
    public static double Accuracy(DecodingSamples data, DecodingOptions options, double c)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        var predicted = new int[data.Samples];
        foreach (var g in data.Groups.Distinct())
        {
            var (_, foldPredictions, testRows) = Fold(data, data.Labels, g, options, c);
            for (int t = 0; t < testRows.Length; t++)
            {
                predicted[testRows[t]] = foldPredictions[t];
            }
        }
        return Accuracy(data.Labels, predicted, _ => true);
    }

    /// <summary>
    /// The label vectors of <paramref name="count"/> permutations, each shuffling the labels within every group
    /// (groups in ascending order, each by <see cref="SplitMix64.Permutation"/> of its samples in index order).
    /// </summary>
    public static int[][] PermutedLabels(int[] labels, int[] groups, int count, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(groups);
        var rng = new SplitMix64(seed);
        var members = groups.Distinct().Order().Select(g => Enumerable.Range(0, groups.Length).Where(i => groups[i] == g).ToArray()).ToArray();
        var result = new int[count][];
        for (int b = 0; b < count; b++)
        {
            var permuted = new int[labels.Length];
            foreach (var rows in members)
            {
                var order = rng.Permutation(rows.Length);
                for (int i = 0; i < rows.Length; i++)
                {
                    permuted[rows[i]] = labels[rows[order[i]]];
                }
            }
            result[b] = permuted;
        }
        return result;
    }

    private static double Accuracy(int[] truth, int[] predicted, Func<int, bool> include)
    {
        int n = 0, hits = 0;
        for (int i = 0; i < truth.Length; i++)
        {
            if (include(i))
            {
                n++;
                hits += truth[i] == predicted[i] ? 1 : 0;
            }
        }
        return n == 0 ? double.NaN : (double)hits / n;
    }

    /// <summary>One outer fold: the C used (NaN for other classifiers), the predictions of the held-out group's rows, and those rows.</summary>
    private static (double C, int[] Predictions, int[] TestRows) Fold(DecodingSamples data, int[] labels, int heldOut, DecodingOptions options, double? fixedC)
    {
        int[] trainRows = [.. Enumerable.Range(0, data.Samples).Where(i => data.Groups[i] != heldOut)];
        int[] testRows = [.. Enumerable.Range(0, data.Samples).Where(i => data.Groups[i] == heldOut)];
        double c = double.NaN;
        if (options.Classifier == DecodingClassifier.LinearSvm)
        {
            c = fixedC ?? ChooseC(data, labels, trainRows, options);
        }
        return (c, FitPredict(data, labels, trainRows, testRows, options, c), testRows);
    }

    /// <summary>The C of the grid with the best mean inner leave-one-group-out accuracy on <paramref name="trainRows"/>.</summary>
    private static double ChooseC(DecodingSamples data, int[] labels, int[] trainRows, DecodingOptions options)
    {
        if (options.CGrid.Length == 1)
        {
            return options.CGrid[0];
        }
        var innerGroups = trainRows.Select(i => data.Groups[i]).Distinct().Order().ToArray();
        // Each inner fold's z-scoring and Gram matrices serve every C of the grid.
        var sums = new double[options.CGrid.Length];
        foreach (var g in innerGroups)
        {
            int[] innerTrain = [.. trainRows.Where(i => data.Groups[i] != g)];
            int[] innerTest = [.. trainRows.Where(i => data.Groups[i] == g)];
            var (train, test) = Standardize(data, innerTrain, innerTest);
            var gram = LinearSvm.Gram(train, innerTrain.Length, train, innerTrain.Length, data.Features);
            var cross = LinearSvm.Gram(test, innerTest.Length, train, innerTrain.Length, data.Features);
            int[] innerLabels = [.. innerTrain.Select(i => labels[i])];
            for (int k = 0; k < options.CGrid.Length; k++)
            {
                var predictions = LinearSvm.Predict(LinearSvm.Fit(gram, innerTrain.Length, innerLabels, data.Classes, options.CGrid[k]), cross, innerTest.Length, innerTrain.Length);
                sums[k] += (double)innerTest.Where((row, t) => predictions[t] == labels[row]).Count() / innerTest.Length;
            }
        }
        double bestScore = double.NegativeInfinity, bestC = options.CGrid[0];
        for (int k = 0; k < options.CGrid.Length; k++)
        {
            double score = sums[k] / innerGroups.Length;
            if (score > bestScore + 1e-12)
            {
                (bestScore, bestC) = (score, options.CGrid[k]);
            }
        }
        return bestC;
    }

    /// <summary>Z-scores with the training rows' statistics, fits on them and predicts the test rows.</summary>
    private static int[] FitPredict(DecodingSamples data, int[] labels, int[] trainRows, int[] testRows, DecodingOptions options, double c)
    {
        int p = data.Features;
        var (train, test) = Standardize(data, trainRows, testRows);
        int[] trainLabels = [.. trainRows.Select(i => labels[i])];
        return options.Classifier switch
        {
            DecodingClassifier.LinearSvm => LinearSvm.Predict(
                LinearSvm.Fit(LinearSvm.Gram(train, trainRows.Length, train, trainRows.Length, p), trainRows.Length, trainLabels, data.Classes, c),
                LinearSvm.Gram(test, testRows.Length, train, trainRows.Length, p), testRows.Length, trainRows.Length),
            DecodingClassifier.CorrelationNearestNeighbour => CorrelationNearestNeighbour(train, trainRows.Length, test, testRows.Length, p, trainLabels, data.Classes),
            DecodingClassifier.PcaLda => PcaLda.FitPredict(train, trainRows.Length, test, testRows.Length, p, trainLabels, data.Classes, options.MaxPcaComponents),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Classifier, "Unknown classifier."),
        };
    }

    private static (double[] Train, double[] Test) Standardize(DecodingSamples data, int[] trainRows, int[] testRows)
    {
        int p = data.Features;
        var mean = new double[p];
        var scale = new double[p];
        foreach (var i in trainRows)
        {
            for (int j = 0; j < p; j++)
            {
                mean[j] += data.X[i * p + j];
            }
        }
        for (int j = 0; j < p; j++)
        {
            mean[j] /= trainRows.Length;
        }
        foreach (var i in trainRows)
        {
            for (int j = 0; j < p; j++)
            {
                double d = data.X[i * p + j] - mean[j];
                scale[j] += d * d;
            }
        }
        for (int j = 0; j < p; j++)
        {
            double sd = Math.Sqrt(scale[j] / trainRows.Length);
            scale[j] = sd > 1e-12 * Math.Max(1, Math.Abs(mean[j])) ? sd : 1;
        }
        double[] Apply(int[] rows)
        {
            var result = new double[rows.Length * p];
            for (int r = 0; r < rows.Length; r++)
            {
                for (int j = 0; j < p; j++)
                {
                    result[r * p + j] = (data.X[rows[r] * p + j] - mean[j]) / scale[j];
                }
            }
            return result;
        }
        return (Apply(trainRows), Apply(testRows));
    }

    /// <summary>Pearson correlation of each test row with each class's mean training row; the class of the highest (first on ties).</summary>
    private static int[] CorrelationNearestNeighbour(double[] train, int nTrain, double[] test, int nTest, int p, int[] labels, int classes)
    {
        var means = new double[classes][];
        for (int c = 0; c < classes; c++)
        {
            var rows = Enumerable.Range(0, nTrain).Where(i => labels[i] == c).ToArray();
            means[c] = new double[p];
            foreach (var i in rows)
            {
                for (int j = 0; j < p; j++)
                {
                    means[c][j] += train[i * p + j] / rows.Length;
                }
            }
        }
        var predicted = new int[nTest];
        for (int t = 0; t < nTest; t++)
        {
            var row = test.AsSpan(t * p, p);
            double max = double.NegativeInfinity;
            for (int c = 0; c < classes; c++)
            {
                double r = Pearson(row, means[c]);
                if (r > max)
                {
                    (max, predicted[t]) = (r, c);
                }
            }
        }
        return predicted;
    }

    private static double Pearson(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double ma = 0, mb = 0;
        for (int j = 0; j < a.Length; j++)
        {
            ma += a[j];
            mb += b[j];
        }
        ma /= a.Length;
        mb /= b.Length;
        double sab = 0, saa = 0, sbb = 0;
        for (int j = 0; j < a.Length; j++)
        {
            double da = a[j] - ma, db = b[j] - mb;
            sab += da * db;
            saa += da * da;
            sbb += db * db;
        }
        return saa > 0 && sbb > 0 ? sab / Math.Sqrt(saa * sbb) : double.NaN;
    }
}
