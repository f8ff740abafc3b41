using NeuroLab.Compute.RunKinds.Reconstruction;
using NeuroLab.Compute.Runs;
using NeuroLab.Data.Runs;
using NeuroLab.Web.Captions;

namespace NeuroLab.Web.Reports;

/// <summary>
/// Everything a run report shows, gathered by <see cref="RunReportService"/> and printed by <c>RunReportDocument</c>.
/// Texts are plain (the document encodes them); <see cref="ReportFigure.Svg"/> and <see cref="ReportComment.BodyHtml"/>
/// are markup made safe by whoever made them.
/// </summary>
public sealed record RunReport(
    RunSummary Run,
    string KindLabel,
    string KindDescription,
    string DatasetName,
    string? ExperimentName,
    string? ResponseSetName,
    DateTime GeneratedAtUtc,
    IReadOnlyList<ReportParameter> Parameters,
    string? Headline,
    IReadOnlyList<(string Name, string Value)> Summary,
    IReadOnlyList<RunArtifact> Artifacts,
    IReadOnlyList<ReportFigure> Figures,
    ReportCaptions? Captions,
    ReportReconstructions? Reconstructions,
    IReadOnlyList<RunLogEntry> Log,
    int LogLeftOut,
    IReadOnlyList<ReportComment> Discussion,
    int DiscussionLeftOut)
{
    /// <summary>The first 8 hex digits of the run's id (file names, headings).</summary>
    public string ShortId => ShortIdOf(Run.Id);

    public static string ShortIdOf(Guid id) => id.ToString("N")[..8];
}

/// <summary>One parameter: its JSON name, the form's label and its value in words.</summary>
public sealed record ReportParameter(string Name, string Label, string Value);

/// <summary>A figure: inline SVG markup from <see cref="SvgChart"/> (texts encoded there) with its title and caption.</summary>
public sealed record ReportFigure(string Title, string Svg, string? Caption);

/// <summary>The best captions of a voxel-captions run, with how the team reviewed them.</summary>
public sealed record ReportCaptions(int Total, IReadOnlyList<ReportCaption> Top, ReviewStats Stats);

/// <summary>One caption with its scores and review verdict counts.</summary>
public sealed record ReportCaption(int Unit, string Caption, double TestR, double SentenceScore, IReadOnlyList<string> Keywords, int Accurate, int Partly, int Wrong);

/// <summary>The scores and the first test images (original and reconstruction PNGs, downscaled) of a reconstruction run.</summary>
public sealed record ReportReconstructions(ReconstructionScores? Scores, int Total, int Height, int Width, IReadOnlyList<ReportReconstruction> Images)
{
    public int LeftOut => Total - Images.Count;
}

/// <summary>One test image: its original and reconstruction as PNG bytes and its PixCorr and SSIM.</summary>
public sealed record ReportReconstruction(int Index, string Stimulus, byte[] TargetPng, byte[] ReconstructionPng, double PixCorr, double Ssim);
