namespace NeuroLab.Analysis.Decoding;

/// <summary>
/// Searchlight decoding (Kriegeskorte, Goebel and Bandettini 2006): for every unit, the leave-one-group-out accuracy
/// of the units whose voxel lies within <c>radius</c> voxels (Euclidean, in voxel indices) of its voxel, the unit
/// itself included. The SVM uses one fixed C (no nested CV per sphere).
/// </summary>
public static class Searchlight
{
    /// <summary>Accuracy per unit [units]; <paramref name="voxels"/> holds each unit's (i, j, k).</summary>
    public static double[] Run(DecodingSamples data, IReadOnlyList<(int I, int J, int K)> voxels, double radius, DecodingOptions options, double c,
        IProgress<DecodingProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(voxels);
        var index = new Dictionary<(int, int, int), int>();
        for (int u = 0; u < voxels.Count; u++)
        {
            index[voxels[u]] = u;
        }
        int reach = (int)Math.Floor(radius);
        var offsets = new List<(int, int, int)>();
        for (int di = -reach; di <= reach; di++)
        {
            for (int dj = -reach; dj <= reach; dj++)
            {
                for (int dk = -reach; dk <= reach; dk++)
                {
                    if (di * di + dj * dj + dk * dk <= radius * radius + 1e-9)
                    {
                        offsets.Add((di, dj, dk));
                    }
                }
            }
        }
        var accuracy = new double[voxels.Count];
        int done = 0;
        Parallel.For(0, voxels.Count, new ParallelOptions { CancellationToken = ct }, u =>
        {
            var (i, j, k) = voxels[u];
            var sphere = new List<int>();
            foreach (var (di, dj, dk) in offsets)
            {
                if (index.TryGetValue((i + di, j + dj, k + dk), out var member))
                {
                    sphere.Add(member);
                }
            }
            sphere.Sort();
            accuracy[u] = CrossValidatedDecoding.Accuracy(data.WithFeatures(sphere), options, c);
            int finished = Interlocked.Increment(ref done);
            if (finished % 50 == 0 || finished == voxels.Count)
            {
                progress?.Report(new DecodingProgress("searchlight", finished, voxels.Count));
            }
        });
        return accuracy;
    }
}
