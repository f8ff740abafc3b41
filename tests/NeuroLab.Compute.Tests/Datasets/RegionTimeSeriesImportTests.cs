using System.Globalization;
using System.Text;
using NeuroLab.Compute.Datasets;
using NeuroLab.Data.Datasets;
using NeuroLab.Formats.Inspection;

namespace NeuroLab.Compute.Tests.Datasets;

/// <summary>Region time series (FileRole.RegionTimeSeries): the role is guessed, checked and refused with reasons naming regions.</summary>
public sealed class RegionTimeSeriesImportTests : IDisposable
{
    private readonly ImportFixture _f = new();
    private readonly string _temp = Directory.CreateTempSubdirectory("neurolab-rois-").FullName;

    public void Dispose()
    {
        _f.Dispose();
        Directory.Delete(_temp, recursive: true);
    }

    /// <summary>An ABIDE-style .1D file: a "#1 #2 ..." header, then <paramref name="rows"/> rows of <paramref name="columns"/> values.</summary>
    private string OneD(string name, int rows, int columns, Func<int, int, double> value)
    {
        var text = new StringBuilder();
        text.AppendLine(string.Join('\t', Enumerable.Range(1, columns).Select(c => $"#{c}")));
        for (int t = 0; t < rows; t++)
        {
            text.AppendLine(string.Join('\t', Enumerable.Range(0, columns).Select(c => value(t, c).ToString("R", CultureInfo.InvariantCulture))));
        }
        var path = Path.Combine(_temp, name);
        File.WriteAllText(path, text.ToString());
        return path;
    }

    private static double Signal(int t, int c) => Math.Sin(0.3 * t * (c + 1)) + 0.1 * c;

    private Task<Guid> ImportAsync(params ImportSource[] files) =>
        _f.Importer.ImportAsync(new DatasetImportRequest(_f.WorkspaceId, _f.Alice, "ROIs", null, DatasetSpace.None, files));

    [Fact]
    public async Task Import_TwoSubjects_KeepsTheRole()
    {
        var id = await ImportAsync(
            new ImportSource("Pitt_0050001_rois_cc200.1D", FileRole.RegionTimeSeries, OneD("a.1D", 20, 5, Signal)),
            new ImportSource("NYU_0050002_rois_cc200.1D", FileRole.RegionTimeSeries, OneD("b.1D", 25, 5, Signal)));

        var detail = await _f.Datasets.GetAsync(_f.Alice, id);
        Assert.All(detail.Files, f => Assert.Equal(FileRole.RegionTimeSeries, f.Role));
    }

    [Fact]
    public async Task Import_DifferentRegionCounts_IsRefusedNamingBothFiles()
    {
        var e = await Assert.ThrowsAsync<DatasetImportException>(() => ImportAsync(
            new ImportSource("Pitt_0050001_rois_cc200.1D", FileRole.RegionTimeSeries, OneD("a.1D", 20, 5, Signal)),
            new ImportSource("NYU_0050002_rois_cc200.1D", FileRole.RegionTimeSeries, OneD("b.1D", 20, 4, Signal))));

        var problem = Assert.Single(e.Problems);
        Assert.Equal("NYU_0050002_rois_cc200.1D", problem.FileName);
        Assert.Contains("4 regions but Pitt_0050001_rois_cc200.1D has 5", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_SameCountOtherRegionOrderOrSameSubjectTwice_IsRefused()
    {
        // Same number of regions but the header in another order: edges would pair the wrong regions.
        var reordered = OneD("b.1D", 20, 5, Signal);
        File.WriteAllLines(reordered, [string.Join('\t', new[] { "#2", "#1", "#3", "#4", "#5" }), .. File.ReadAllLines(reordered).Skip(1)]);
        var order = await Assert.ThrowsAsync<DatasetImportException>(() => ImportAsync(
            new ImportSource("Pitt_0050001_rois_cc200.1D", FileRole.RegionTimeSeries, OneD("a.1D", 20, 5, Signal)),
            new ImportSource("NYU_0050002_rois_cc200.1D", FileRole.RegionTimeSeries, reordered)));
        Assert.Contains("column 1 is region '2' but in Pitt_0050001_rois_cc200.1D it is '1'", Assert.Single(order.Problems).Message, StringComparison.Ordinal);

        var twice = await Assert.ThrowsAsync<DatasetImportException>(() => ImportAsync(
            new ImportSource("Pitt_0050001_rois_cc200.1D", FileRole.RegionTimeSeries, OneD("a.1D", 20, 5, Signal)),
            new ImportSource("second/Pitt_0050001_rois_cc200.1D", FileRole.RegionTimeSeries, OneD("c.1D", 20, 5, Signal))));
        Assert.Contains("one file per subject", Assert.Single(twice.Problems).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_ConstantRegion_IsRefusedNamingTheRegionId()
    {
        var e = await Assert.ThrowsAsync<DatasetImportException>(() => ImportAsync(
            new ImportSource("sub1_rois.1D", FileRole.RegionTimeSeries, OneD("a.1D", 20, 5, (t, c) => c == 3 ? 2.0 : Signal(t, c)))));

        Assert.Contains("constant", Assert.Single(e.Problems).Message, StringComparison.Ordinal);
        Assert.EndsWith(": 4.", e.Problems[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_TwoTimePoints_IsRefused()
    {
        var e = await Assert.ThrowsAsync<DatasetImportException>(() => ImportAsync(
            new ImportSource("sub1_rois.1D", FileRole.RegionTimeSeries, OneD("a.1D", 2, 5, Signal))));

        Assert.Contains("more than 2 time points", Assert.Single(e.Problems).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_NotATable_IsRefusedWithTheRole()
    {
        var path = Path.Combine(_temp, "notes.txt");
        File.WriteAllText(path, "resting state, eyes open\nsecond line of words\n");

        var e = await Assert.ThrowsAsync<DatasetImportException>(() => ImportAsync(new ImportSource("notes.txt", FileRole.RegionTimeSeries, path)));

        Assert.Contains("region time series must be a numeric table", Assert.Single(e.Problems).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Pitt_0050003_rois_cc200.1D", "Pitt_0050003", "Pitt")]
    [InlineData("NYU_0050952_rois_cc200.1D", "NYU_0050952", "NYU")]
    [InlineData("sub-01_timeseries.csv", "sub-01_timeseries", "sub-01")]
    public void SubjectOf_FileName_GivesSubjectAndSite(string fileName, string subject, string site) =>
        Assert.Equal((subject, site), RegionTimeSeriesFiles.SubjectOf(fileName));

    [Fact]
    public void Guess_OneDTable_IsRegionTimeSeries()
    {
        var inspection = FileInspector.Inspect(OneD("Pitt_0050003_rois_cc200.1D", 10, 3, Signal), "Pitt_0050003_rois_cc200.1D");

        Assert.Equal(FileRole.RegionTimeSeries, RoleGuesser.Guess("Pitt_0050003_rois_cc200.1D", InspectionDocument.From(inspection)));
    }
}
