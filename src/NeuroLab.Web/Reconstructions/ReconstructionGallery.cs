using System.Globalization;
using NeuroLab.Compute.RunKinds.Reconstruction;
using NeuroLab.Compute.Runs;

namespace NeuroLab.Web.Reconstructions;

/// <summary>One test image of a reconstruction run: its metrics (by metrics.csv column) and what retrieval picked.</summary>
/// <param name="Index">Position in the run's test order (row of reconstructions.npy).</param>
/// <param name="Stimulus">The stimulus name metrics.csv gives, or empty.</param>
/// <param name="Metrics">metrics.csv's numeric columns other than index (NaN where a cell is empty).</param>
/// <param name="RetrievedIndex">The candidate retrieval ranked first (retrieved_index.npy), or null when its image cannot be shown.</param>
/// <param name="Retrieved">Which image that is ("#3 digit_6", "pool: n02084071_1"), or null.</param>
public sealed record ReconstructionItem(int Index, string Stimulus, IReadOnlyDictionary<string, double> Metrics, int? RetrievedIndex, string? Retrieved = null)
{
    public double Metric(string name) => Metrics.TryGetValue(name, out var v) ? v : double.NaN;
}

/// <summary>
/// What a reconstruction run wrote, read for the gallery: originals and reconstructions [n, h, w] in 0..1, the per-image
/// metrics and the scores of the summary. Any <c>reconstruction-*</c> kind writes these (<see cref="ReconstructionArtifacts"/>).
/// </summary>
public sealed record ReconstructionGallery(
    RunSummary Run, int Count, int Height, int Width, float[] Targets, float[] Reconstructions, int[] TestStimuli,
    IReadOnlyList<string> MetricNames, IReadOnlyList<ReconstructionItem> Items, ReconstructionScores? Scores, int? RetrievalCandidates)
{
    /// <summary>The metrics where higher is better (the others, MSE and retrieval rank, are better lower).</summary>
    public static bool HigherIsBetter(string metric) => metric is not ("mse" or "retrieval_rank");

    /// <summary>Whether some test image has a retrieved image to show (a third column and grid row).</summary>
    public bool ShowsRetrieved => Items.Any(i => i.RetrievedIndex is not null);

    /// <summary>
    /// Whether the kind's reconstruction is itself the retrieved candidate's image (retrieval kinds), so a candidate from
    /// a pool dataset is shown by the reconstruction; otherwise the retrieved image is the test image ranked first.
    /// </summary>
    public bool ReconstructionIsRetrieved => Scores?.RetrievalBy is { } by && by != RetrievalResult.PixelsAmongTestImages;

    /// <summary>The pixels of one image [h, w]: <paramref name="which"/> is reconstruction, target or retrieved.</summary>
    public ReadOnlySpan<float> Image(int index, GalleryImage which)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        int size = Height * Width;
        return which switch
        {
            GalleryImage.Reconstruction => Reconstructions.AsSpan(index * size, size),
            GalleryImage.Target => Targets.AsSpan(index * size, size),
            GalleryImage.Retrieved when Items[index].RetrievedIndex is { } r && r >= 0 && r < Count => Targets.AsSpan(r * size, size),
            GalleryImage.Retrieved when Items[index].RetrievedIndex is not null && ReconstructionIsRetrieved => Reconstructions.AsSpan(index * size, size),
            GalleryImage.Retrieved => throw new ArgumentException("This run has no retrieved image for this test image.", nameof(which)),
            _ => throw new ArgumentOutOfRangeException(nameof(which), which, "Unknown image."),
        };
    }

    /// <summary>Reads metrics.csv by header name (columns a kind does not write are simply absent).</summary>
    public static (IReadOnlyList<string> Metrics, IReadOnlyList<(int Index, string Stimulus, Dictionary<string, double> Values)> Rows) ParseMetrics(string csv)
    {
        ArgumentNullException.ThrowIfNull(csv);
        var lines = csv.Replace("\r", "", StringComparison.Ordinal).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0)
        {
            return ([], []);
        }
        var header = SplitCsv(lines[0]);
        int indexColumn = header.IndexOf("index");
        int stimulusColumn = header.IndexOf("stimulus");
        var metrics = header.Where((h, i) => i != indexColumn && i != stimulusColumn).ToList();
        var rows = new List<(int, string, Dictionary<string, double>)>();
        for (int line = 1; line < lines.Length; line++)
        {
            var cells = SplitCsv(lines[line]);
            var values = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var m in metrics)
            {
                int c = header.IndexOf(m);
                values[m] = c < cells.Count && double.TryParse(cells[c], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN;
            }
            int index = indexColumn >= 0 && indexColumn < cells.Count && int.TryParse(cells[indexColumn], NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : line - 1;
            rows.Add((index, stimulusColumn >= 0 && stimulusColumn < cells.Count ? cells[stimulusColumn] : "", values));
        }
        return (metrics, rows);
    }

    private static List<string> SplitCsv(string line)
    {
        var cells = new List<string>();
        var cell = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    cell.Append('"');
                    i++;
                }
                else if (ch == '"')
                {
                    quoted = false;
                }
                else
                {
                    cell.Append(ch);
                }
            }
            else if (ch == '"')
            {
                quoted = true;
            }
            else if (ch == ',')
            {
                cells.Add(cell.ToString());
                cell.Clear();
            }
            else
            {
                cell.Append(ch);
            }
        }
        cells.Add(cell.ToString());
        return cells;
    }
}

/// <summary>Which image of a gallery row.</summary>
public enum GalleryImage
{
    Reconstruction,
    Target,
    Retrieved,
}
