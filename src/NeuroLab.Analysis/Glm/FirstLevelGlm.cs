using TorchSharp;
using static TorchSharp.torch;

namespace NeuroLab.Analysis.Glm;

/// <summary>
/// Ordinary least squares for every voxel of one run: <c>Y = X B + E</c> with <c>Y [scans, voxels]</c>,
/// <c>X [scans, regressors]</c>, <c>B = pinv(X) Y</c>, residual variance <c>RSS / (scans - rank)</c>.
/// All voxels share <c>pinv(X)</c>, so a batch of voxels is one matrix product; batches keep memory bounded.
/// Arithmetic is float64 whatever the input type.
/// </summary>
/// <remarks>
/// Rank-deficient designs are rejected with an error that names the collinear columns, rather than
/// solved by a minimum-norm pseudo-inverse whose betas would depend on an arbitrary choice. One case is
/// allowed: a column that is exactly zero (a condition with no events in this run, see
/// <see cref="DesignMatrix.Build"/>'s <c>includeEmptyConditions</c>) is left out of the fit, its betas are
/// NaN and it is listed in <see cref="GlmFit.EmptyColumns"/>.
/// </remarks>
public static class FirstLevelGlm
{
    /// <summary>Voxels per matrix product by default (about 8 MB of float64 per 121 scans).</summary>
    public const int DefaultVoxelBatchSize = 8192;

    /// <summary>
    /// Smallest accepted ratio of the smallest to the largest singular value of the design after scaling
    /// every column to unit length; below it the design counts as rank deficient.
    /// </summary>
    public const double CollinearityTolerance = 1e-10;

    /// <summary>Fits the design to every voxel.</summary>
    /// <param name="bold">BOLD time series <c>[scans, voxels]</c>, any real dtype (converted to float64 batch by batch).</param>
    /// <param name="design">Design with one row per scan.</param>
    /// <param name="voxelBatchSize">Voxels per batch.</param>
    /// <exception cref="ArgumentException">Shapes that disagree, non-finite BOLD values, too few scans for the
    /// regressors, or collinear regressors (the message names them).</exception>
    public static GlmFit Fit(Tensor bold, DesignMatrix design, int voxelBatchSize = DefaultVoxelBatchSize)
    {
        ArgumentNullException.ThrowIfNull(bold);
        ArgumentNullException.ThrowIfNull(design);
        ArgumentOutOfRangeException.ThrowIfLessThan(voxelBatchSize, 1);
        if (bold.dim() != 2 || bold.shape[0] != design.ScanCount || bold.shape[1] < 1)
        {
            throw new ArgumentException(
                $"Expected BOLD [scans = {design.ScanCount}, voxels], got [{string.Join(", ", bold.shape)}].", nameof(bold));
        }
        if (bold.dtype == ScalarType.Bool || bold.is_complex())
        {
            throw new ArgumentException($"Expected real BOLD values, got {bold.dtype}.", nameof(bold));
        }

        int scans = design.ScanCount;
        int[] estimable = Enumerable.Range(0, design.RegressorCount).Where(j => design.Column(j).Any(v => v != 0)).ToArray();
        int[] emptyColumns = Enumerable.Range(0, design.RegressorCount).Except(estimable).ToArray();
        int dof = scans - estimable.Length;
        if (estimable.Length == 0 || dof < 1)
        {
            throw new ArgumentException(
                $"{estimable.Length} non-zero regressors need more than {scans} scans to leave residual degrees of freedom.", nameof(design));
        }

        long voxels = bold.shape[1];
        using var scope = NewDisposeScope();
        var betas = full([design.RegressorCount, voxels], double.NaN, ScalarType.Float64, bold.device);
        var residualVariance = empty([voxels], ScalarType.Float64, bold.device);
        var x = tensor(Flatten(design, estimable), [scans, estimable.Length], ScalarType.Float64, bold.device);
        var (pinv, unscaledCovariance) = PseudoInverse(x, estimable.Select(j => design.ColumnNames[j]).ToArray());
        var rows = tensor(estimable.Select(j => (long)j).ToArray(), device: bold.device);
        for (long start = 0; start < voxels; start += voxelBatchSize)
        {
            using var batchScope = NewDisposeScope();
            long count = Math.Min(voxelBatchSize, voxels - start);
            var y = bold.narrow(1, start, count).to_type(ScalarType.Float64);
            RequireFinite(y, start);
            var b = pinv.mm(y);
            var residuals = y - x.mm(b);
            betas.narrow(1, start, count).index_copy_(0, rows, b);
            residualVariance.narrow(0, start, count).copy_(residuals.square().sum(dim: 0L) / dof);
        }
        var covariance = Expand(unscaledCovariance, estimable, design.RegressorCount);
        return new GlmFit(design, betas.MoveToOuterDisposeScope(), residualVariance.MoveToOuterDisposeScope(), dof, emptyColumns, covariance);
    }

    /// <summary>
    /// <c>pinv(X)</c> and <c>(X'X)^-1</c> from the SVD of X with unit-length columns (<c>X = Xn D</c>,
    /// <c>Xn = U S V'</c>, so <c>pinv(X) = D^-1 V S^-1 U'</c>), after checking the rank.
    /// </summary>
    private static (Tensor PseudoInverse, double[,] Covariance) PseudoInverse(Tensor x, string[] names)
    {
        var norms = x.square().sum(dim: 0L).sqrt();
        var (u, s, vh) = linalg.svd(x / norms, fullMatrices: false);
        double[] singular = s.cpu().data<double>().ToArray();
        if (singular[^1] < CollinearityTolerance * singular[0])
        {
            throw Collinear(vh.cpu(), singular, names);
        }
        var vOverS = vh.t() / s / norms.unsqueeze(1);
        var covariance = vOverS.mm(vOverS.t()).cpu();
        var values = new double[names.Length, names.Length];
        Buffer.BlockCopy(covariance.data<double>().ToArray(), 0, values, 0, sizeof(double) * values.Length);
        return (vOverS.mm(u.t()), values);
    }

    /// <summary>Names the columns that carry weight in the near-null right singular vectors.</summary>
    private static ArgumentException Collinear(Tensor vh, double[] singular, string[] names)
    {
        var involved = new SortedSet<int>();
        for (int k = 0; k < singular.Length; k++)
        {
            if (singular[k] < CollinearityTolerance * singular[0])
            {
                double[] nullVector = vh[k].data<double>().ToArray();
                for (int j = 0; j < names.Length; j++)
                {
                    if (Math.Abs(nullVector[j]) > 1e-6)
                    {
                        involved.Add(j);
                    }
                }
            }
        }
        return new ArgumentException(
            $"The design matrix is rank deficient: columns {string.Join(", ", involved.Select(j => names[j]))} are collinear " +
            $"(singular value ratio {singular[^1] / singular[0]:g3} of the unit-length columns, tolerance {CollinearityTolerance:g}). " +
            "Drop or merge one of them.", "design");
    }

    private static double[] Flatten(DesignMatrix design, int[] columns)
    {
        var values = new double[design.ScanCount * columns.Length];
        for (int s = 0; s < design.ScanCount; s++)
        {
            for (int j = 0; j < columns.Length; j++)
            {
                values[(s * columns.Length) + j] = design[s, columns[j]];
            }
        }
        return values;
    }

    /// <summary>Places the estimable block into a full-size matrix with NaN rows and columns for empty regressors.</summary>
    private static double[,] Expand(double[,] block, int[] estimable, int size)
    {
        var full = new double[size, size];
        for (int i = 0; i < size; i++)
        {
            for (int j = 0; j < size; j++)
            {
                full[i, j] = double.NaN;
            }
        }
        for (int i = 0; i < estimable.Length; i++)
        {
            for (int j = 0; j < estimable.Length; j++)
            {
                full[estimable[i], estimable[j]] = block[i, j];
            }
        }
        return full;
    }

    private static void RequireFinite(Tensor y, long firstVoxel)
    {
        var finite = isfinite(y).all(0);
        if (!finite.all().item<bool>())
        {
            long voxel = firstVoxel + nonzero(finite.logical_not()).flatten()[0].item<long>();
            throw new ArgumentException($"BOLD voxel {voxel} contains NaN or infinite values.", "bold");
        }
    }
}
