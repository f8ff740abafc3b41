namespace NeuroLab.Analysis.Glm;

/// <summary>
/// The numpy/scipy grid primitives nilearn's design code relies on, reproduced operation for operation:
/// event onsets are located on the fine grid by exact comparisons, so a grid point that differs in the
/// last bit would move a boxcar edge by one fine sample.
/// </summary>
internal static class Sampling
{
    /// <summary>numpy.linspace(start, stop, count): <c>i * step + start</c>, with the last point set to <paramref name="stop"/>.</summary>
    public static double[] Linspace(double start, double stop, int count)
    {
        var values = new double[count];
        double step = (stop - start) / (count - 1);
        for (int i = 0; i < count; i++)
        {
            values[i] = (i * step) + start;
        }
        values[^1] = stop;
        return values;
    }

    /// <summary>numpy.searchsorted(sorted, value, side='left'): the first index whose value is &gt;= <paramref name="value"/>.</summary>
    public static int SearchSortedLeft(double[] sorted, double value)
    {
        int low = 0;
        int high = sorted.Length;
        while (low < high)
        {
            int middle = low + ((high - low) / 2);
            if (sorted[middle] < value)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }
        return low;
    }

    /// <summary>
    /// scipy.interpolate.interp1d(x, y) (linear) evaluated at <paramref name="at"/>, which must lie inside
    /// <c>[x[0], x[^1]]</c>: the bracketing pair is found with a left search, as scipy does.
    /// <paramref name="y"/> gives the value at a grid index, so costly values are computed only where needed.
    /// </summary>
    public static double[] InterpolateLinear(double[] x, Func<int, double> y, IReadOnlyList<double> at)
    {
        var values = new double[at.Count];
        for (int i = 0; i < values.Length; i++)
        {
            int high = Math.Clamp(SearchSortedLeft(x, at[i]), 1, x.Length - 1);
            int low = high - 1;
            double yLow = y(low);
            double slope = (y(high) - yLow) / (x[high] - x[low]);
            values[i] = (slope * (at[i] - x[low])) + yLow;
        }
        return values;
    }
}
