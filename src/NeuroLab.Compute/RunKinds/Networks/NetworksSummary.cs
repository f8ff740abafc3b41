using System.Globalization;

namespace NeuroLab.Compute.RunKinds.Networks;

/// <summary>
/// The result of a networks run (schema 1): per subject the thresholded network's measures and strongest edges, and
/// the group difference when there are two groups.
/// </summary>
public sealed record NetworksSummary : RunResult
{
    public override int SchemaVersion => 1;

    /// <summary>pearson or partial.</summary>
    public string Measure { get; init; } = string.Empty;

    /// <summary>proportional or absolute, and its value.</summary>
    public string Threshold { get; init; } = string.Empty;

    public double ThresholdValue { get; init; }

    public bool Weighted { get; init; }

    /// <summary>Regions (nodes) per network.</summary>
    public int Rois { get; init; }

    /// <summary>Region ids in column order [rois].</summary>
    public string[] RoiIds { get; init; } = [];

    public SubjectNetwork[] Subjects { get; init; } = [];

    /// <summary>The group comparison; null with fewer than two groups or no permutations.</summary>
    public GroupComparison? GroupDifference { get; init; }

    /// <summary>How communities were found.</summary>
    public string CommunityMethod { get; init; } = "Newman leading eigenvector";

    public override string Headline()
    {
        if (Subjects.Length == 0)
        {
            return string.Empty;
        }
        var first = Subjects[0];
        var head = string.Create(CultureInfo.InvariantCulture,
            $"{Subjects.Length} subject{(Subjects.Length == 1 ? "" : "s")} · {Rois} ROIs · Q {Subjects.Average(s => s.Modularity):0.000} · {first.Modules} modules");
        return GroupDifference is { } g ? head + string.Create(CultureInfo.InvariantCulture, $" · {g.EdgesFdr05} edges differ (FDR 0.05)") : head;
    }
}

/// <summary>One subject's network.</summary>
public sealed record SubjectNetwork
{
    public string Subject { get; init; } = string.Empty;

    public string Site { get; init; } = string.Empty;

    public string Group { get; init; } = string.Empty;

    public int TimePoints { get; init; }

    /// <summary>Ledoit-Wolf shrinkage (partial correlation only; NaN for Pearson).</summary>
    public double Shrinkage { get; init; } = double.NaN;

    public int Edges { get; init; }

    public double Density { get; init; }

    public double MeanDegree { get; init; }

    public double MeanClustering { get; init; }

    public double Modularity { get; init; }

    public int Modules { get; init; }

    /// <summary>Triangles (3-cycles) in the network.</summary>
    public long Triangles { get; init; }

    public double GlobalEfficiency { get; init; }

    /// <summary>The strongest edges (by |z|), strongest first.</summary>
    public NetworkEdge[] StrongestEdges { get; init; } = [];
}

/// <summary>An edge between two regions (ids) with its Fisher z.</summary>
public sealed record NetworkEdge(string RoiA, string RoiB, double Z);

/// <summary>The edge-wise comparison of two groups.</summary>
public sealed record GroupComparison
{
    public string GroupA { get; init; } = string.Empty;

    public string GroupB { get; init; } = string.Empty;

    /// <summary>subjects, or windows (sliding-window connectivity within subjects, when a group has one subject).</summary>
    public string Samples { get; init; } = string.Empty;

    public int SamplesA { get; init; }

    public int SamplesB { get; init; }

    public int Permutations { get; init; }

    public int Edges { get; init; }

    /// <summary>Edges with uncorrected p &lt; 0.05.</summary>
    public int EdgesUncorrected05 { get; init; }

    /// <summary>Edges with Benjamini-Hochberg adjusted p &lt;= 0.05.</summary>
    public int EdgesFdr05 { get; init; }

    /// <summary>Edges with max-statistic (family-wise) p &lt;= 0.05.</summary>
    public int EdgesMax05 { get; init; }

    /// <summary>The largest differences (A - B) by absolute value, with their adjusted p.</summary>
    public EdgeDifferenceRow[] Largest { get; init; } = [];
}

/// <summary>One edge's group difference.</summary>
public sealed record EdgeDifferenceRow(string RoiA, string RoiB, double Difference, double P, double PFdr, double PMax);
