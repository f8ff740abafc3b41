namespace NeuroLab.Analysis.Networks;

/// <summary>How a connectivity matrix becomes a network's edges.</summary>
public enum ThresholdMode
{
    /// <summary>Keep the strongest |z| edges until the network has the given density (fraction of all possible edges).</summary>
    Proportional,

    /// <summary>Keep edges with |z| above the given value.</summary>
    Absolute,
}

/// <summary>
/// Thresholding a connectivity matrix [rois, rois] into an undirected network without self loops. Edges are chosen by
/// |value| (strong negative connections count as strong); a weighted network keeps |value| as the edge weight, a
/// binary one weight 1. NaN connections never become edges.
/// </summary>
public static class NetworkThreshold
{
    /// <summary>The adjacency [rois, rois] (symmetric, zero diagonal) of <paramref name="connectivity"/> thresholded.</summary>
    /// <param name="connectivity">Connectivity (e.g. Fisher z) [rois, rois], symmetric.</param>
    /// <param name="mode">Proportional: <paramref name="value"/> is the density in (0, 1]; absolute: the |z| threshold.</param>
    /// <param name="value">Density or |z| threshold.</param>
    /// <param name="weighted">Keep |value| as weights (true) or 1 (false).</param>
    public static double[,] Apply(double[,] connectivity, ThresholdMode mode, double value, bool weighted)
    {
        int p = connectivity.GetLength(0);
        var edges = new List<(int I, int J, double W)>();
        for (int i = 0; i < p; i++)
        {
            for (int j = i + 1; j < p; j++)
            {
                double w = Math.Abs(connectivity[i, j]);
                if (double.IsFinite(w))
                {
                    edges.Add((i, j, w));
                }
            }
        }
        IEnumerable<(int I, int J, double W)> kept = mode switch
        {
            // Strongest first; ties keep the earlier edge (row-major upper triangle), so the choice is reproducible.
            ThresholdMode.Proportional => edges.OrderByDescending(e => e.W).Take((int)Math.Round(value * p * (p - 1) / 2.0, MidpointRounding.AwayFromZero)),
            ThresholdMode.Absolute => edges.Where(e => e.W > value),
            _ => throw new ArgumentOutOfRangeException(nameof(mode)),
        };
        var adjacency = new double[p, p];
        foreach (var (i, j, w) in kept)
        {
            adjacency[i, j] = adjacency[j, i] = weighted ? w : 1;
        }
        return adjacency;
    }

    /// <summary>Edges present over all possible edges, p(p-1)/2.</summary>
    public static double Density(double[,] adjacency)
    {
        int p = adjacency.GetLength(0);
        long count = 0;
        for (int i = 0; i < p; i++)
        {
            for (int j = i + 1; j < p; j++)
            {
                if (adjacency[i, j] != 0)
                {
                    count++;
                }
            }
        }
        return p < 2 ? double.NaN : count / (p * (p - 1) / 2.0);
    }
}
