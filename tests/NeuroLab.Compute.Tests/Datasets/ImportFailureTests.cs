using Microsoft.EntityFrameworkCore;
using NeuroLab.Compute.Datasets;
using NeuroLab.Data.Datasets;
using NeuroLab.Data.Workspaces;

namespace NeuroLab.Compute.Tests.Datasets;

/// <summary>A refused import creates nothing and names each file's problem.</summary>
public sealed class ImportFailureTests : IDisposable
{
    private readonly ImportFixture _f = new();
    private readonly string _temp = Directory.CreateTempSubdirectory("neurolab-import-bad-").FullName;

    public void Dispose()
    {
        _f.Dispose();
        Directory.Delete(_temp, recursive: true);
    }

    private string Corrupt(string relative, int keep)
    {
        var bytes = File.ReadAllBytes(SharedData.Path(relative));
        var path = Path.Combine(_temp, Path.GetFileName(relative));
        File.WriteAllBytes(path, bytes[..Math.Min(keep, bytes.Length)]);
        return path;
    }

    private DatasetImportRequest Request(params ImportSource[] files) =>
        new(_f.WorkspaceId, _f.Alice, "Bad", null, DatasetSpace.Subject, files);

    private async Task AssertNothingSavedAsync(int blobsBefore)
    {
        await using var db = await _f.Database.Factory.CreateDbContextAsync();
        Assert.Empty(await db.Datasets.ToListAsync());
        Assert.Empty(await db.DatasetFiles.ToListAsync());
        Assert.Empty(await db.ResponseSets.ToListAsync());
        Assert.Equal(blobsBefore, _f.BlobCount);
    }

    [Fact]
    public async Task TruncatedFile_AmongGoodOnes_NothingSaved_ProblemNamed()
    {
        var e = await Assert.ThrowsAsync<DatasetImportException>(() => _f.Importer.ImportAsync(Request(
            new ImportSource("vt.nii.gz", FileRole.Mask, SharedData.Path("haxby2001/sub001/masks/25mm/vt.nii.gz")),
            new ImportSource("bold.nii.gz", FileRole.Run, Corrupt("haxby2001/sub001/BOLD/task001_run001/bold_25mm.nii.gz", 20_000), RunIndex: 1))));
        var problem = Assert.Single(e.Problems);
        Assert.Equal("bold.nii.gz", problem.FileName);
        await AssertNothingSavedAsync(0);
    }

    [Fact]
    public async Task WrongRole_IsExplained()
    {
        var e = await Assert.ThrowsAsync<DatasetImportException>(() => _f.Importer.ImportAsync(Request(
            new ImportSource("events.tsv", FileRole.Run, SharedData.Path("haxby2001/sub001/BOLD/task001_run001/bold_events.tsv")),
            new ImportSource("vt.nii.gz", FileRole.Events, SharedData.Path("haxby2001/sub001/masks/25mm/vt.nii.gz")))));
        Assert.Equal(2, e.Problems.Count);
        Assert.Contains("4-D NIfTI", e.Problems[0].Message, StringComparison.Ordinal);
        Assert.Contains("BIDS events", e.Problems[1].Message, StringComparison.Ordinal);
        await AssertNothingSavedAsync(0);
    }

    [Fact]
    public async Task ResponsesWithWrongStimulusCount_IsExplained()
    {
        // 100 training rows against the 118 scene images: the caller mixed up files.
        var e = await Assert.ThrowsAsync<DatasetImportException>(() => _f.Importer.ImportAsync(Request(
            new ImportSource("scenes.npy", FileRole.StimulusImages, SharedData.Path("allen-v1/all_input_scenes_118_961.npy")),
            new ImportSource("train_output.npy", FileRole.Responses, SharedData.Path("allen-v1/Allen_train_output.npy")))));
        Assert.Contains("100 rows", Assert.Single(e.Problems).Message, StringComparison.Ordinal);
        await AssertNothingSavedAsync(0);
    }

    [Fact]
    public async Task EventsWithoutRun_IsExplained()
    {
        var e = await Assert.ThrowsAsync<DatasetImportException>(() => _f.Importer.ImportAsync(Request(
            new ImportSource("events.tsv", FileRole.Events, SharedData.Path("haxby2001/sub001/BOLD/task001_run001/bold_events.tsv")))));
        Assert.Contains("no 4-D run", Assert.Single(e.Problems).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Viewer_CannotImport()
    {
        var bob = _f.Database.AddUser("bob@lab.org");
        await _f.Workspaces.AddMemberAsync(_f.Alice, _f.WorkspaceId, "bob@lab.org", WorkspaceRole.Viewer);
        await Assert.ThrowsAsync<WorkspaceForbiddenException>(() => _f.Importer.ImportAsync(Request(
            new ImportSource("vt.nii.gz", FileRole.Mask, SharedData.Path("haxby2001/sub001/masks/25mm/vt.nii.gz"))) with { UserId = bob }));
        await AssertNothingSavedAsync(0);
    }

    [Fact]
    public async Task OverQuota_IsRefusedWithNumbers()
    {
        using var small = new ImportFixture(quotaBytes: 1000);
        var e = await Assert.ThrowsAsync<DatasetImportException>(() => small.Importer.ImportAsync(new DatasetImportRequest(small.WorkspaceId, small.Alice, "Big", null, DatasetSpace.Subject,
            [new ImportSource("bold.nii.gz", FileRole.Run, SharedData.Path("haxby2001/sub001/BOLD/task001_run001/bold_25mm.nii.gz"), RunIndex: 1)])));
        Assert.Contains("quota", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, small.BlobCount);
    }

    [Fact]
    public async Task Cancelled_NothingSaved()
    {
        using var cts = new CancellationTokenSource();
        var progress = new CancelOnStage(cts, "Fitting the GLM");
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _f.Samples.ImportAsync(_f.Alice, _f.WorkspaceId, "haxby2001-sub1", progress, cts.Token));
        await AssertNothingSavedAsync(0);
    }

    [Fact]
    public async Task Delete_RemovesFilesOnlyItUsed()
    {
        var first = await _f.Samples.ImportAsync(_f.Alice, _f.WorkspaceId, "mni152");
        var second = await _f.Samples.ImportAsync(_f.Alice, _f.WorkspaceId, "mni152");
        var blobs = _f.BlobCount;
        await _f.Datasets.DeleteAsync(_f.Alice, first);
        Assert.Equal(blobs, _f.BlobCount); // still used by the second copy
        await _f.Datasets.DeleteAsync(_f.Alice, second);
        Assert.Equal(0, _f.BlobCount);
    }

    private sealed class CancelOnStage(CancellationTokenSource cts, string stage) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value)
        {
            if (value.Stage == stage)
            {
                cts.Cancel();
            }
        }
    }
}
