namespace NeuroLab.Analysis.Rsa;

/// <summary>
/// The comparison kernels behind <see cref="RdmComparison"/> with reusable buffers (one instance per thread).
/// <see cref="CompareAll"/> prepares the data RDM once — its average ranks, its order by value, its centred and
/// whitened vector — and reuses that for every model whose missing entries do not cut into the data's; a model
/// with NaNs where the data has values gets the data re-prepared on the entries both have (pairwise deletion).
/// Ranks come from integer keys by counting (O(m + keys)), so a resampled RDM is never sorted again.
/// </summary>
internal sealed class RdmComparer(RdmComparisonMethod method)
{
    private int[] _countA = [], _countB = [], _order = [], _filtered = [], _y = [], _tmp = [];
    private double[] _rankOfKey = [], _dataRanks = [], _modelRanks = [], _scratchX = [], _scratchY = [];
    private double[] _dataCentred = [], _dataWhite = [], _cgR = [], _cgP = [], _cgAp = [], _rowSum = [], _modelWhite = [];
    private int[] _xSorted = [], _xFiltered = [];
    private bool _xSortedValid;
    private int _dataOrderLength, _dataLength, _dataValid;
    private double _dataRankSs;

    public RdmComparisonMethod Method { get; } = method;

    public void CompareAll(IReadOnlyList<RankedRdm> models, RankedRdm data, Span<double> into)
    {
        int m = data.Length;
        Ensure(m, Math.Max(data.KeyCount, models.Count == 0 ? 0 : models.Max(x => x.KeyCount)));
        _dataLength = m;
        PrepareData(data);
        for (int i = 0; i < models.Count; i++)
        {
            var model = models[i];
            if (model.Length != m)
            {
                throw new ArgumentException($"Model RDM {i} has {model.Length} entries; the data RDM has {m}.", nameof(models));
            }
            into[i] = CompareOne(model, data, Covers(model, data));
        }
    }

    private void Ensure(int m, int keys)
    {
        // Only the buffers the method uses: at n = 1,750 each array of m entries is 12 MB.
        if (_y.Length < m && Method == RdmComparisonMethod.KendallTauA)
        {
            _order = new int[m]; _filtered = new int[m]; _y = new int[m]; _tmp = new int[m];
            _xSorted = new int[m]; _xFiltered = new int[m];
        }
        if (_dataRanks.Length < m && Method is RdmComparisonMethod.Spearman or RdmComparisonMethod.WhitenedPearson)
        {
            _dataRanks = new double[m]; _modelRanks = new double[m]; _scratchX = new double[m];
        }
        if (_dataCentred.Length < m && Method == RdmComparisonMethod.WhitenedPearson)
        {
            _scratchY = new double[m]; _dataCentred = new double[m]; _dataWhite = new double[m]; _cgR = new double[m];
            _cgP = new double[m]; _cgAp = new double[m]; _modelWhite = new double[m];
        }
        if (_countA.Length < keys)
        {
            _countA = new int[keys]; _countB = new int[keys]; _rankOfKey = new double[keys];
        }
    }

    private void PrepareData(RankedRdm data)
    {
        switch (Method)
        {
            case RdmComparisonMethod.Spearman:
                AverageRanks(data.Keys!, data.KeyCount, null, _dataRanks);
                CentreRanks();
                break;
            case RdmComparisonMethod.KendallTauA:
                _dataOrderLength = OrderByKey(data.Keys!, data.KeyCount, _order);
                _xSortedValid = false;
                break;
            case RdmComparisonMethod.WhitenedPearson:
                Centre(data.Values, null, _dataCentred);
                new RdmCovariance(Rdm.Conditions(data.Values.Length)).Solve(_dataCentred, data.Values, null, _dataWhite, _cgR, _cgP, _cgAp, ref _rowSum);
                break;
            default:
                break;
        }
    }

    private double CompareOne(RankedRdm model, RankedRdm data, bool covers)
    {
        var x = data.Values;
        var y = model.Values;
        switch (Method)
        {
            case RdmComparisonMethod.Spearman:
                if (covers)
                {
                    return SpearmanOnDataEntries(data.Keys!, model.Keys!, model.KeyCount);
                }
                AverageRanks(data.Keys!, data.KeyCount, model.Keys, _scratchX);
                AverageRanks(model.Keys!, model.KeyCount, data.Keys, _modelRanks);
                return Pearson(_scratchX, _modelRanks);
            case RdmComparisonMethod.KendallTauA:
                return TauA(data, model, covers);
            case RdmComparisonMethod.Pearson:
                return Pearson(x, y);
            case RdmComparisonMethod.Cosine:
                return Cosine(x, y);
            case RdmComparisonMethod.WhitenedPearson:
                var cov = new RdmCovariance(Rdm.Conditions(x.Length));
                var xc = _dataCentred;
                var xw = _dataWhite;
                if (!covers)
                {
                    Centre(x, y, _scratchX);
                    xc = _scratchX;
                    cov.Solve(xc, x, y, _dataRanks, _cgR, _cgP, _cgAp, ref _rowSum);
                    xw = _dataRanks; // reused as scratch: Spearman's cache is not in use for this method
                }
                Centre(y, x, _scratchY);
                cov.Solve(_scratchY, y, x, _modelWhite, _cgR, _cgP, _cgAp, ref _rowSum);
                return Rdm.Dot(xc.AsSpan(0, x.Length), _modelWhite.AsSpan(0, x.Length))
                    / Math.Sqrt(Rdm.Dot(xc.AsSpan(0, x.Length), xw.AsSpan(0, x.Length)) * Rdm.Dot(_scratchY.AsSpan(0, x.Length), _modelWhite.AsSpan(0, x.Length)));
            default:
                throw new ArgumentOutOfRangeException(nameof(Method), Method, "Unknown RDM comparison method.");
        }
    }

    /// <summary>The data's average ranks minus their mean (NaN where missing), and their sum of squares.</summary>
    private void CentreRanks()
    {
        int valid = 0;
        double ss = 0;
        int m = _dataLength;
        for (int k = 0; k < m; k++)
        {
            if (!double.IsNaN(_dataRanks[k]))
            {
                valid++;
            }
        }
        double mean = (valid + 1) / 2.0;
        for (int k = 0; k < m; k++)
        {
            double d = _dataRanks[k] - mean;
            _dataRanks[k] = d;
            if (!double.IsNaN(d))
            {
                ss += d * d;
            }
        }
        _dataValid = valid;
        _dataRankSs = ss;
    }

    /// <summary>
    /// Spearman's r on the data's entries when the model has all of them: with the data's centred ranks cached,
    /// <c>r = sum (rx - mean) ry / sqrt(Sxx Syy)</c>, and the model's rank sum of squares follows from its tie counts,
    /// <c>Syy = (M^3 - M - sum_t (t^3 - t)) / 12</c>; one counting pass and one product pass over the entries.
    /// </summary>
    private double SpearmanOnDataEntries(int[] dataKeys, int[] modelKeys, int modelKeyCount)
    {
        Array.Clear(_countA, 0, modelKeyCount);
        int m = _dataLength;
        for (int k = 0; k < m; k++)
        {
            if (dataKeys[k] >= 0)
            {
                _countA[modelKeys[k]]++;
            }
        }
        double running = 0, ties = 0;
        for (int key = 0; key < modelKeyCount; key++)
        {
            double c = _countA[key];
            _rankOfKey[key] = running + ((c + 1) / 2.0);
            running += c;
            ties += (c * c * c) - c;
        }
        double valid = _dataValid;
        double syy = ((valid * valid * valid) - valid - ties) / 12;
        double sxy = 0;
        for (int k = 0; k < m; k++)
        {
            if (dataKeys[k] >= 0)
            {
                sxy += _dataRanks[k] * _rankOfKey[modelKeys[k]];
            }
        }
        return _dataValid < 2 ? double.NaN : sxy / Math.Sqrt(_dataRankSs * syy);
    }

    /// <summary>True when the model has a value wherever the data has one, so the data's cached preparation applies.</summary>
    private static bool Covers(RankedRdm model, RankedRdm data)
    {
        for (int k = 0; k < data.Length; k++)
        {
            if (!model.IsValid(k) && data.IsValid(k))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Average ranks (1-based, ties averaged as scipy <c>rankdata</c>) of the entries valid in <paramref name="keys"/>
    /// and in <paramref name="other"/> (when given); NaN elsewhere.</summary>
    private void AverageRanks(int[] keys, int keyCount, int[]? other, double[] ranks)
    {
        Array.Clear(_countA, 0, keyCount);
        int m = keys.Length;
        for (int k = 0; k < m; k++)
        {
            if (keys[k] >= 0 && (other is null || other[k] >= 0))
            {
                _countA[keys[k]]++;
            }
        }
        double running = 0;
        for (int key = 0; key < keyCount; key++)
        {
            int c = _countA[key];
            _rankOfKey[key] = running + ((c + 1) / 2.0);
            running += c;
        }
        for (int k = 0; k < m; k++)
        {
            ranks[k] = keys[k] >= 0 && (other is null || other[k] >= 0) ? _rankOfKey[keys[k]] : double.NaN;
        }
    }

    /// <summary>Indices of the valid entries sorted by key (counting sort, stable); returns how many.</summary>
    private int OrderByKey(int[] keys, int keyCount, int[] order)
    {
        Array.Clear(_countB, 0, keyCount);
        int m = keys.Length, valid = 0;
        for (int k = 0; k < m; k++)
        {
            if (keys[k] >= 0)
            {
                _countB[keys[k]]++;
                valid++;
            }
        }
        int start = 0;
        for (int key = 0; key < keyCount; key++)
        {
            int c = _countB[key];
            _countB[key] = start;
            start += c;
        }
        for (int k = 0; k < m; k++)
        {
            if (keys[k] >= 0)
            {
                order[_countB[keys[k]]++] = k;
            }
        }
        return valid;
    }

    /// <summary>
    /// Kendall tau-a = (concordant - discordant) / (m'(m'-1)/2) over the m' entries both RDMs have, by Knight's (1966)
    /// O(m log m) method as in scipy's <c>kendalltau</c>: with the entries ordered by (data, model),
    /// <c>C - D = T - Tx - Ty + Txy - 2 S</c> where T is the number of pairs, Tx, Ty, Txy the pairs tied in the data,
    /// the model and both, and S the inversions (merge-sort swaps) of the model sequence.
    /// </summary>
    private double TauA(RankedRdm data, RankedRdm model, bool covers)
    {
        int[] xKeys = data.Keys!, yKeys = model.Keys!;
        int[] order = _order;
        int count = _dataOrderLength;
        if (!covers)
        {
            // Keep the data's order; drop the entries the model lacks.
            int t = 0;
            for (int i = 0; i < _dataOrderLength; i++)
            {
                if (yKeys[_order[i]] >= 0)
                {
                    _filtered[t++] = _order[i];
                }
            }
            order = _filtered;
            count = t;
        }
        if (count < 2)
        {
            return double.NaN;
        }
        long xTies = 0, bothTies = 0, yTies = 0;
        if (order == _order)
        {
            // The data's keys in sorted order, read sequentially for every model (the gathers are the costly part).
            if (!_xSortedValid)
            {
                for (int i = 0; i < count; i++)
                {
                    _xSorted[i] = xKeys[order[i]];
                }
                _xSortedValid = true;
            }
        }
        else
        {
            for (int i = 0; i < count; i++)
            {
                _xFiltered[i] = xKeys[order[i]];
            }
        }
        int[] xs = order == _order ? _xSorted : _xFiltered;
        int start = 0;
        for (int i = 0; i < count; i++)
        {
            _y[i] = yKeys[order[i]];
            if (i == count - 1 || xs[i + 1] != xs[i])
            {
                int len = i + 1 - start;
                if (len > 1)
                {
                    xTies += (long)len * (len - 1) / 2;
                    if (len <= 8)
                    {
                        InsertionSort(_y, start, len);
                    }
                    else
                    {
                        Array.Sort(_y, start, len);
                    }
                    bothTies += TiedPairs(_y, start, len);
                }
                start = i + 1;
            }
        }
        long swaps = CountInversions(_y, _tmp, count);
        yTies = TiedPairs(_y, 0, count); // sorted now
        double total = (double)count * (count - 1) / 2;
        return (total - xTies - yTies + bothTies - (2.0 * swaps)) / total;
    }

    /// <summary>Pairs i &lt; j with a[i] &gt; a[j], by bottom-up merge sort (sorts <paramref name="a"/>).</summary>
    internal static long CountInversions(int[] a, int[] tmp, int n)
    {
        // Runs of 16 by insertion sort (each shift past a greater element is one inversion), then merges.
        const int Run = 16;
        long inversions = 0;
        for (int lo = 0; lo < n; lo += Run)
        {
            int hi = Math.Min(lo + Run, n);
            for (int i = lo + 1; i < hi; i++)
            {
                int v = a[i], j = i - 1;
                while (j >= lo && a[j] > v)
                {
                    a[j + 1] = a[j];
                    j--;
                }
                inversions += i - 1 - j;
                a[j + 1] = v;
            }
        }
        for (int width = Run; width < n; width *= 2)
        {
            for (int lo = 0; lo < n - width; lo += 2 * width)
            {
                int mid = lo + width, hi = Math.Min(lo + (2 * width), n);
                if (a[mid - 1] <= a[mid])
                {
                    continue;
                }
                int i = lo, j = mid, k = lo;
                while (i < mid && j < hi)
                {
                    if (a[j] < a[i])
                    {
                        tmp[k++] = a[j++];
                        inversions += mid - i;
                    }
                    else
                    {
                        tmp[k++] = a[i++];
                    }
                }
                while (i < mid)
                {
                    tmp[k++] = a[i++];
                }
                while (j < hi)
                {
                    tmp[k++] = a[j++];
                }
                Array.Copy(tmp, lo, a, lo, hi - lo);
            }
        }
        return inversions;
    }

    /// <summary>Pairs of equal values in a sorted segment.</summary>
    private static long TiedPairs(int[] a, int start, int length)
    {
        long pairs = 0, run = 1;
        for (int j = start + 1; j < start + length; j++)
        {
            if (a[j] == a[j - 1])
            {
                run++;
            }
            else
            {
                pairs += run * (run - 1) / 2;
                run = 1;
            }
        }
        return pairs + (run * (run - 1) / 2);
    }

    private static void InsertionSort(int[] a, int start, int length)
    {
        for (int i = start + 1; i < start + length; i++)
        {
            int v = a[i], j = i - 1;
            while (j >= start && a[j] > v)
            {
                a[j + 1] = a[j];
                j--;
            }
            a[j + 1] = v;
        }
    }

    /// <summary>Pearson r over the entries where both are not NaN (two-pass, centred sums).</summary>
    internal static double Pearson(double[] x, double[] y)
    {
        int n = 0;
        double sx = 0, sy = 0;
        for (int k = 0; k < x.Length; k++)
        {
            if (!double.IsNaN(x[k]) && !double.IsNaN(y[k]))
            {
                sx += x[k];
                sy += y[k];
                n++;
            }
        }
        if (n < 2)
        {
            return double.NaN;
        }
        double mx = sx / n, my = sy / n, sxy = 0, sxx = 0, syy = 0;
        for (int k = 0; k < x.Length; k++)
        {
            if (!double.IsNaN(x[k]) && !double.IsNaN(y[k]))
            {
                double dx = x[k] - mx, dy = y[k] - my;
                sxy += dx * dy;
                sxx += dx * dx;
                syy += dy * dy;
            }
        }
        return sxy / Math.Sqrt(sxx * syy);
    }

    private static double Cosine(double[] x, double[] y)
    {
        double sxy = 0, sxx = 0, syy = 0;
        for (int k = 0; k < x.Length; k++)
        {
            if (!double.IsNaN(x[k]) && !double.IsNaN(y[k]))
            {
                sxy += x[k] * y[k];
                sxx += x[k] * x[k];
                syy += y[k] * y[k];
            }
        }
        return sxy / Math.Sqrt(sxx * syy);
    }

    /// <summary>x minus its mean over the entries valid in x (and in <paramref name="other"/>); 0 elsewhere, which is
    /// what restricting the whitening to those entries needs.</summary>
    private static void Centre(double[] x, double[]? other, double[] into)
    {
        double s = 0;
        int n = 0;
        for (int k = 0; k < x.Length; k++)
        {
            if (!double.IsNaN(x[k]) && (other is null || !double.IsNaN(other[k])))
            {
                s += x[k];
                n++;
            }
        }
        double mean = s / n;
        for (int k = 0; k < x.Length; k++)
        {
            into[k] = !double.IsNaN(x[k]) && (other is null || !double.IsNaN(other[k])) ? x[k] - mean : 0;
        }
    }
}
