namespace NeuroLab.Analysis.Rsa;

/// <summary>
/// An RDM prepared for comparison: its values (NaN = missing) and, for the rank-based methods, integer rank keys
/// (equal values share a key, keys increase with the value, -1 for NaN). Keys let a resampled RDM be ranked by
/// counting in O(m) instead of sorting again: a bootstrap sample gathers the keys of the original entries.
/// </summary>
internal sealed class RankedRdm
{
    public RankedRdm(double[] values, int[]? keys, int keyCount)
    {
        Values = values;
        Keys = keys;
        KeyCount = keyCount;
    }

    /// <summary>The values; may be empty for a rank-only RDM (a bootstrap sample under Spearman or tau-a needs only keys).</summary>
    public double[] Values { get; }

    /// <summary>Number of entries.</summary>
    public int Length => Keys?.Length ?? Values.Length;

    /// <summary>Whether entry k is present (not NaN).</summary>
    public bool IsValid(int k) => Keys is { } keys ? keys[k] >= 0 : !double.IsNaN(Values[k]);

    public int[]? Keys { get; }

    /// <summary>Keys lie in 0..KeyCount-1 (not necessarily all used after resampling).</summary>
    public int KeyCount { get; }

    public static bool NeedsKeys(RdmComparisonMethod method) =>
        method is RdmComparisonMethod.Spearman or RdmComparisonMethod.KendallTauA;

    /// <summary>Prepares <paramref name="values"/> (not copied) for <paramref name="method"/>: sorts once for the keys.</summary>
    public static RankedRdm Prepare(double[] values, RdmComparisonMethod method)
    {
        if (!NeedsKeys(method))
        {
            return new RankedRdm(values, null, 0);
        }
        var keys = new int[values.Length];
        return new RankedRdm(values, keys, DenseKeys(values, keys));
    }

    /// <summary>Dense rank keys of the non-NaN values (0 for the smallest, ties share a key), -1 for NaN; returns the key count.</summary>
    public static int DenseKeys(ReadOnlySpan<double> values, int[] keys)
    {
        int valid = 0;
        for (int k = 0; k < values.Length; k++)
        {
            if (!double.IsNaN(values[k]))
            {
                valid++;
            }
        }
        var sorted = new double[valid];
        var index = new int[valid];
        int t = 0;
        for (int k = 0; k < values.Length; k++)
        {
            if (double.IsNaN(values[k]))
            {
                keys[k] = -1;
            }
            else
            {
                sorted[t] = values[k];
                index[t++] = k;
            }
        }
        Array.Sort(sorted, index);
        int key = -1;
        for (int i = 0; i < valid; i++)
        {
            if (i == 0 || sorted[i] != sorted[i - 1])
            {
                key++;
            }
            keys[index[i]] = key;
        }
        return key + 1;
    }

    /// <summary>Average ranks (1-based, ties share their mean rank, as scipy <c>rankdata</c>) of the non-NaN values; NaN stays NaN.</summary>
    public static double[] AverageRanks(double[] values)
    {
        var keys = new int[values.Length];
        int keyCount = DenseKeys(values, keys);
        var count = new int[keyCount];
        foreach (int key in keys)
        {
            if (key >= 0)
            {
                count[key]++;
            }
        }
        var rankOfKey = new double[keyCount];
        double running = 0;
        for (int key = 0; key < keyCount; key++)
        {
            rankOfKey[key] = running + ((count[key] + 1) / 2.0);
            running += count[key];
        }
        return [.. keys.Select(key => key >= 0 ? rankOfKey[key] : double.NaN)];
    }
}
