using static TorchSharp.torch;

namespace NeuroLab.Analysis.Rsa;

/// <summary>
/// Classical (Torgerson 1952) multidimensional scaling of an RDM: <c>B = -1/2 H D^2 H</c> (D the square distance
/// matrix, H the centring matrix), eigendecomposed (float64 <c>linalg.eigh</c>); coordinates are the top eigenvectors
/// times the square roots of their eigenvalues (negative eigenvalues, from non-Euclidean RDMs, clipped to 0). For a
/// Euclidean RDM the embedding reproduces the distances exactly up to rotation. Sign convention: each axis is flipped so
/// that its largest-magnitude coordinate is positive.
/// </summary>
public static class ClassicalMds
{
    /// <summary>Coordinates of the n conditions, row-major <c>[n, dimensions]</c>.</summary>
    /// <param name="rdm">Condensed RDM without NaN.</param>
    /// <param name="dimensions">Embedding dimensions, 1..n.</param>
    /// <exception cref="ArgumentException">NaN in the RDM, a non-triangular length or too many dimensions.</exception>
    public static double[] Embed(double[] rdm, int dimensions = 2)
    {
        ArgumentNullException.ThrowIfNull(rdm);
        int n = Rdm.Conditions(rdm.Length);
        if (rdm.Any(double.IsNaN))
        {
            throw new ArgumentException("Classical MDS needs an RDM without missing (NaN) dissimilarities.", nameof(rdm));
        }
        if (dimensions < 1 || dimensions > n)
        {
            throw new ArgumentOutOfRangeException(nameof(dimensions), dimensions, $"Between 1 and the {n} conditions.");
        }
        var b = Rdm.Square(rdm);
        for (int k = 0; k < b.Length; k++)
        {
            b[k] = -0.5 * b[k] * b[k];
        }
        Cka.Centre(b, n);
        double[] values, vectors;
        using (NewDisposeScope())
        {
            var (w, v) = linalg.eigh(tensor(b, [n, n], ScalarType.Float64));
            values = w.data<double>().ToArray();
            vectors = v.data<double>().ToArray();
        }
        var result = new double[n * dimensions];
        for (int d = 0; d < dimensions; d++)
        {
            int column = n - 1 - d; // eigh sorts ascending
            double scale = Math.Sqrt(Math.Max(values[column], 0));
            int argMax = 0;
            for (int i = 0; i < n; i++)
            {
                if (Math.Abs(vectors[(i * n) + column]) > Math.Abs(vectors[(argMax * n) + column]))
                {
                    argMax = i;
                }
            }
            double sign = vectors[(argMax * n) + column] < 0 ? -1 : 1;
            for (int i = 0; i < n; i++)
            {
                result[(i * dimensions) + d] = sign * scale * vectors[(i * n) + column];
            }
        }
        return result;
    }
}
