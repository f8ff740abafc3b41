using System.Text;

namespace NeuroLab.Compute.RunKinds.Rsa;

/// <summary>The artifacts an rsa run writes (each RDM as <c>rdm_&lt;name&gt;.npy</c>).</summary>
public static class RsaArtifacts
{
    /// <summary>The declaration of every RDM file, for the kind's list; the job saves each through <see cref="Rdm"/>.</summary>
    public static readonly ArtifactSpec RdmTemplate = new("rdm_<name>.npy", ArtifactRole.Matrix,
        "One RDM [stimuli, stimuli] (float32, dataset stimulus order) per brain and model RDM compared; names in rdms.json.", Always: false);

    public static readonly ArtifactSpec Index = new("rdms.json", ArtifactRole.Document,
        "The RDMs of the run: name, file, source (imported, response set, feature space) and subjects averaged; brains then models.");

    public static readonly ArtifactSpec Comparisons = new("comparisons.csv", ArtifactRole.Table,
        "model, brain, method, value, ci_low, ci_high: every model RDM against every brain RDM by each method, with bootstrap 95% percentile intervals (empty without a bootstrap).");

    public static readonly ArtifactSpec NoiseCeiling = new("noise_ceiling.csv", ArtifactRole.Table,
        "brain, method, lower, upper: each brain RDM's noise ceiling from its subjects (empty with one subject).");

    public static readonly ArtifactSpec Pairwise = new("pairwise.csv", ArtifactRole.Table,
        "brain, method, model_a, model_b, difference, p, p_fdr: bootstrap tests of every model pair (two-sided; Benjamini-Hochberg over the pairs of a brain and method).", Always: false);

    public static readonly ArtifactSpec Mds = new("mds.csv", ArtifactRole.Table,
        "rdm, index, x, y: classical MDS of each RDM's stimuli in two dimensions.");

    public static readonly ArtifactSpec Trsa = new("trsa.csv", ArtifactRole.Table,
        "model, brain, method, lower, upper, geodesic, value: the comparisons after the tRSA geo-topological transform at the run's thresholds.");

    public static readonly ArtifactSpec Cka = new("cka.csv", ArtifactRole.Table,
        "model, brain, kind, value: linear and RBF CKA between feature-space and response-set patterns.", Always: false);

    public static readonly IReadOnlyList<ArtifactSpec> All = [RdmTemplate, Index, Comparisons, NoiseCeiling, Pairwise, Mds, Trsa, Cka];

    /// <summary>The artifact of the RDM called <paramref name="fileStem"/> (see <see cref="FileStem"/>).</summary>
    public static ArtifactSpec Rdm(string fileStem) => RdmTemplate with { FileName = $"rdm_{fileStem}.npy" };

    /// <summary>A file-name-safe form of an RDM's name: letters, digits, '-', '_' and '.', others become '_'.</summary>
    public static string FileStem(string name)
    {
        var text = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            text.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_');
        }
        return text.Length == 0 ? "rdm" : text.ToString();
    }
}
