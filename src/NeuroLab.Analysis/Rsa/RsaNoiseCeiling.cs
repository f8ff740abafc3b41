namespace NeuroLab.Analysis.Rsa;

/// <summary>Bounds on the similarity the true model could reach given the between-subject variability.</summary>
/// <param name="Lower">Mean similarity of each subject's RDM to the mean of the other subjects (leave one out).</param>
/// <param name="Upper">Mean similarity of each subject's RDM to the mean of all subjects (includes the subject itself).</param>
public sealed record NoiseCeilingResult(double Lower, double Upper);

/// <summary>
/// The RSA noise ceiling of Nili et al. (2014) (rsatoolbox <c>boot_noise_ceiling</c> without resampling, METHODS.md):
/// <c>upper = mean_s sim(RDM_s, mean_all)</c>, an overestimate of the best model's similarity because the mean
/// contains the subject; <c>lower = mean_s sim(RDM_s, mean_(others))</c>, an underestimate. Means are NaN-aware
/// (<see cref="Rdm.Mean"/>), not rank-pooled: for the k92 hIT data and tau-a this gives METHODS.md's [0.258, 0.476].
/// </summary>
public static class RsaNoiseCeiling
{
    /// <summary>The noise ceiling of the subjects' RDMs under <paramref name="method"/>.</summary>
    /// <exception cref="ArgumentException">Fewer than 2 subjects or RDMs of different lengths.</exception>
    public static NoiseCeilingResult Compute(IReadOnlyList<double[]> subjectRdms, RdmComparisonMethod method)
    {
        ArgumentNullException.ThrowIfNull(subjectRdms);
        if (subjectRdms.Count < 2)
        {
            throw new ArgumentException($"A noise ceiling needs at least 2 subjects; got {subjectRdms.Count}.", nameof(subjectRdms));
        }
        var prepared = subjectRdms.Select(s => RankedRdm.Prepare(s, method)).ToArray();
        return Compute(prepared, subjectRdms, method, new RdmComparer(method), new double[subjectRdms.Count]);
    }

    /// <summary>The ceiling from prepared subject RDMs (keys reused) and their values; <paramref name="buffer"/> has one slot per subject.</summary>
    internal static NoiseCeilingResult Compute(IReadOnlyList<RankedRdm> subjects, IReadOnlyList<double[]> values, RdmComparisonMethod method, RdmComparer comparer, double[] buffer)
    {
        int count = subjects.Count;
        comparer.CompareAll(subjects, RankedRdm.Prepare(Rdm.Mean(values), method), buffer);
        double upper = buffer.Average();
        double lowerSum = 0;
        var others = new double[count - 1][];
        for (int s = 0; s < count; s++)
        {
            int t = 0;
            for (int o = 0; o < count; o++)
            {
                if (o != s)
                {
                    others[t++] = values[o];
                }
            }
            comparer.CompareAll([subjects[s]], RankedRdm.Prepare(Rdm.Mean(others), method), buffer.AsSpan(0, 1));
            lowerSum += buffer[0];
        }
        return new NoiseCeilingResult(lowerSum / count, upper);
    }
}
