using System.Globalization;
using System.Text.RegularExpressions;
using NeuroLab.Data.Datasets;
using NeuroLab.Formats.Tabular;

namespace NeuroLab.Compute.Datasets;

/// <summary>One subject's region time series as read from a <see cref="FileRole.RegionTimeSeries"/> file.</summary>
/// <param name="Subject">Subject id from the file name (<c>Pitt_0050003</c> from <c>Pitt_0050003_rois_cc200.1D</c>).</param>
/// <param name="Site">Acquisition site: the subject id's part before its first '_' (<c>Pitt</c>); empty when none.</param>
/// <param name="RegionIds">Region ids from the header (<c>#1</c> read as <c>1</c>), or 1..n without one [rois].</param>
/// <param name="Series">Values [timePoints, rois].</param>
public sealed record RegionTimeSeries(string Subject, string Site, IReadOnlyList<string> RegionIds, double[,] Series)
{
    public int TimePoints => Series.GetLength(0);

    public int Regions => Series.GetLength(1);
}

/// <summary>
/// Reading and checking region time series files (ABIDE Preprocessed <c>.1D</c> and other numeric tables): the one
/// place that knows how a subject and site are named and what makes a dataset's time series usable, for the import
/// (which refuses bad files) and for the networks run kind.
/// </summary>
public static partial class RegionTimeSeriesFiles
{
    /// <summary>The subject id and site of a file name: ABIDE's <c>Site_SubjectNumber_rois_atlas.1D</c>, else the name without extension.</summary>
    public static (string Subject, string Site) SubjectOf(string fileName)
    {
        var name = Path.GetFileName(fileName);
        var match = AbideName().Match(name);
        string subject = match.Success ? match.Groups["subject"].Value : StripExtensions(name);
        int underscore = subject.IndexOf('_', StringComparison.Ordinal);
        return (subject, underscore > 0 ? subject[..underscore] : string.Empty);
    }

    /// <summary>Reads one file (NaN and missing values kept, so <see cref="Check"/> can name their regions).</summary>
    public static RegionTimeSeries Read(string path, string fileName)
    {
        var matrix = DelimitedMatrixReader.Read(path, new DelimitedMatrixOptions { AllowNonFinite = true });
        int rows = matrix.RowCount, columns = matrix.ColumnCount;
        var series = new double[rows, columns];
        for (int t = 0; t < rows; t++)
        {
            for (int r = 0; r < columns; r++)
            {
                series[t, r] = matrix.Values.GetDouble((long)t * columns + r);
            }
        }
        var ids = matrix.ColumnNames is { } names && names.Count == columns
            ? names.Select(n => n.TrimStart('#').Trim()).ToArray()
            : Enumerable.Range(1, columns).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
        var (subject, site) = SubjectOf(fileName);
        return new RegionTimeSeries(subject, site, ids, series);
    }

    /// <summary>
    /// What is wrong with a dataset's time series, per file: more than 2 time points, the same region count as the
    /// first file, no NaN/infinite values and no constant regions (named by region id). Empty when all are usable.
    /// </summary>
    public static IReadOnlyList<(string FileName, string Problem)> Check(IReadOnlyList<(string FileName, RegionTimeSeries Data)> files)
    {
        var problems = new List<(string, string)>();
        int? regions = null;
        string? first = null;
        IReadOnlyList<string>? firstIds = null;
        var subjects = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (fileName, data) in files)
        {
            if (data.TimePoints <= 2)
            {
                problems.Add((fileName, $"region time series need more than 2 time points; this file has {data.TimePoints}."));
            }
            if (regions is null)
            {
                (regions, first) = (data.Regions, fileName);
            }
            else if (data.Regions != regions)
            {
                problems.Add((fileName, $"this file has {data.Regions} regions but {first} has {regions}: every subject of a dataset needs the same regions (one parcellation)."));
            }
            else if (firstIds is not null && !data.RegionIds.SequenceEqual(firstIds, StringComparer.Ordinal))
            {
                int at = Enumerable.Range(0, data.Regions).First(r => data.RegionIds[r] != firstIds[r]);
                problems.Add((fileName, $"column {at + 1} is region '{data.RegionIds[at]}' but in {first} it is '{firstIds[at]}': every subject needs the same regions in the same order."));
            }
            firstIds ??= data.RegionIds;
            if (subjects.TryGetValue(SubjectOf(fileName).Subject, out var other))
            {
                problems.Add((fileName, $"this file names subject '{SubjectOf(fileName).Subject}', as {other} does: one file per subject."));
            }
            else
            {
                subjects[SubjectOf(fileName).Subject] = fileName;
            }
            var nonFinite = new List<string>();
            var constant = new List<string>();
            for (int r = 0; r < data.Regions; r++)
            {
                bool finite = true, varies = false;
                for (int t = 0; t < data.TimePoints; t++)
                {
                    finite &= double.IsFinite(data.Series[t, r]);
                    varies |= data.Series[t, r] != data.Series[0, r];
                }
                if (!finite)
                {
                    nonFinite.Add(data.RegionIds[r]);
                }
                else if (!varies)
                {
                    constant.Add(data.RegionIds[r]);
                }
            }
            if (nonFinite.Count > 0)
            {
                problems.Add((fileName, $"{nonFinite.Count} region(s) have missing, NaN or infinite values: {List(nonFinite)}."));
            }
            if (constant.Count > 0)
            {
                problems.Add((fileName, $"{constant.Count} region(s) are constant (no signal; their correlations are undefined): {List(constant)}."));
            }
        }
        return problems;
    }

    private static string List(List<string> ids) => ids.Count <= 20 ? string.Join(", ", ids) : string.Join(", ", ids.Take(20)) + $" and {ids.Count - 20} more";

    private static string StripExtensions(string name)
    {
        var stem = name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? name[..^3] : name;
        return Path.GetFileNameWithoutExtension(stem);
    }

    [GeneratedRegex(@"^(?<subject>[A-Za-z0-9]+_\d+)_rois_", RegexOptions.CultureInvariant)]
    private static partial Regex AbideName();
}
