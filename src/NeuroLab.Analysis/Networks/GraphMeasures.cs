namespace NeuroLab.Analysis.Networks;

/// <summary>Per-node and global measures of an undirected network.</summary>
/// <param name="Degree">Neighbours of each node [rois].</param>
/// <param name="Strength">Sum of each node's edge weights [rois] (the degree for a binary network).</param>
/// <param name="Clustering">Clustering coefficient [rois] (binary, or Onnela's weighted one): 0 for nodes with degree &lt; 2.</param>
/// <param name="Triangles">Triangles (3-cycles) each node takes part in [rois].</param>
/// <param name="TriangleCount">Triangles in the network (Σ triangles / 3).</param>
/// <param name="GlobalEfficiency">Mean of 1/d(i,j) over ordered pairs of distinct nodes, d the shortest path in hops (Latora &amp; Marchiori 2001).</param>
public sealed record GraphMeasureSet(int[] Degree, double[] Strength, double[] Clustering, long[] Triangles, long TriangleCount, double GlobalEfficiency)
{
    /// <summary>Mean clustering over all nodes (as networkx average_clustering).</summary>
    public double MeanClustering => Clustering.Length == 0 ? double.NaN : Clustering.Average();
}

/// <summary>
/// Graph measures of an adjacency matrix [rois, rois] (symmetric, zero diagonal, non-negative weights; 0 = no edge),
/// defined as networkx 2.8.8 defines them: <c>degree</c>, <c>degree(weight=)</c>, <c>clustering</c> (binary:
/// 2Tᵢ/(kᵢ(kᵢ-1)); weighted: Onnela et al. 2005, cube roots of the triangle's weights each divided by the largest
/// weight), <c>triangles</c>, <c>global_efficiency</c> (unweighted).
/// </summary>
public static class GraphMeasures
{
    /// <summary>The measures of <paramref name="adjacency"/> [rois, rois]; <paramref name="weighted"/> picks Onnela's clustering over the binary one.</summary>
    public static GraphMeasureSet Compute(double[,] adjacency, bool weighted)
    {
        int p = adjacency.GetLength(0);
        var neighbours = new List<int>[p];
        double maxWeight = 0;
        for (int i = 0; i < p; i++)
        {
            neighbours[i] = [];
            for (int j = 0; j < p; j++)
            {
                if (i != j && adjacency[i, j] != 0)
                {
                    neighbours[i].Add(j);
                    maxWeight = Math.Max(maxWeight, adjacency[i, j]);
                }
            }
        }
        var degree = new int[p];
        var strength = new double[p];
        var clustering = new double[p];
        var triangles = new long[p];
        for (int i = 0; i < p; i++)
        {
            var ni = neighbours[i];
            degree[i] = ni.Count;
            strength[i] = ni.Sum(j => adjacency[i, j]);
            double weightedSum = 0;
            for (int a = 0; a < ni.Count; a++)
            {
                for (int b = a + 1; b < ni.Count; b++)
                {
                    int j = ni[a], k = ni[b];
                    if (adjacency[j, k] != 0)
                    {
                        triangles[i]++;
                        weightedSum += Math.Cbrt(adjacency[i, j] / maxWeight * adjacency[j, k] / maxWeight * adjacency[k, i] / maxWeight);
                    }
                }
            }
            int d = degree[i];
            clustering[i] = d < 2 ? 0 : 2.0 * (weighted ? weightedSum : triangles[i]) / (d * (d - 1.0));
        }
        return new GraphMeasureSet(degree, strength, clustering, triangles, triangles.Sum() / 3, GlobalEfficiency(neighbours));
    }

    private static double GlobalEfficiency(List<int>[] neighbours)
    {
        int p = neighbours.Length;
        if (p < 2)
        {
            return 0;
        }
        double sum = 0;
        var distance = new int[p];
        var queue = new Queue<int>();
        for (int s = 0; s < p; s++)
        {
            Array.Fill(distance, -1);
            distance[s] = 0;
            queue.Enqueue(s);
            while (queue.TryDequeue(out int u))
            {
                foreach (int v in neighbours[u])
                {
                    if (distance[v] < 0)
                    {
                        distance[v] = distance[u] + 1;
                        sum += 1.0 / distance[v];
                        queue.Enqueue(v);
                    }
                }
            }
        }
        return sum / (p * (p - 1.0));
    }
}
