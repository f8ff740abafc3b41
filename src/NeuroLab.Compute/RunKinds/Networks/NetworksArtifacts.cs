namespace NeuroLab.Compute.RunKinds.Networks;

/// <summary>The artifacts a networks run writes.</summary>
public static class NetworksArtifacts
{
    /// <summary>A subject's connectivity matrix: its artifact is named after the subject id.</summary>
    public static ArtifactSpec Connectivity(string subject) =>
        new($"connectivity_{Rsa.RsaArtifacts.FileStem(subject)}.npy", ArtifactRole.Matrix, "One subject's connectivity, Fisher z [rois, rois] float32 (zero diagonal).");

    /// <summary>The declaration of the per-subject matrices (<c>connectivity_&lt;subject&gt;.npy</c>) for listings.</summary>
    public static readonly ArtifactSpec ConnectivityPattern =
        new("connectivity_<subject>.npy", ArtifactRole.Matrix, "Each subject's connectivity, Fisher z [rois, rois] float32 (zero diagonal).");

    public static readonly ArtifactSpec Nodes = new("nodes.csv", ArtifactRole.Table,
        "subject, roi, degree, strength, clustering, module, triangles: one row per region of each subject's thresholded network, then of each group's mean.");

    public static readonly ArtifactSpec Edges = new("edges.csv", ArtifactRole.Table,
        "subject, roi_a, roi_b, weight: the edges of each subject's thresholded network (weight = |z|, or 1 for binary).");

    public static readonly ArtifactSpec GroupDifference = new("group_difference.csv", ArtifactRole.Table,
        "roi_a, roi_b, difference, p, p_fdr, p_max: mean z of the first group minus the second per edge, permutation p, Benjamini-Hochberg and max-statistic adjusted p.",
        Always: false);

    public static readonly IReadOnlyList<ArtifactSpec> All = [ConnectivityPattern, Nodes, Edges, GroupDifference];
}
