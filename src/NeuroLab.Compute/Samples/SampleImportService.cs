using NeuroLab.Compute.Datasets;
using NeuroLab.Data.Datasets;
using NeuroLab.Data.Workspaces;

namespace NeuroLab.Compute.Samples;

/// <summary>"Add sample": fetch a catalogue study (mirror or download, checksums verified) and import it.</summary>
public sealed class SampleImportService(SampleCatalogue catalogue, SampleFetcher fetcher, DatasetImporter importer, WorkspaceService workspaces)
{
    /// <summary>Imports sample <paramref name="key"/> into a workspace; returns the dataset id.</summary>
    /// <exception cref="SampleFetchException">A file could not be obtained or failed its checksum.</exception>
    public async Task<Guid> ImportAsync(string userId, Guid workspaceId, string key, IProgress<ImportProgress>? progress = null, CancellationToken ct = default)
    {
        await workspaces.RequireRoleAsync(userId, workspaceId, WorkspaceRole.Editor, "adding samples", ct);
        var sample = catalogue.Find(key) ?? throw new ArgumentException($"There is no sample '{key}'. Known samples: {string.Join(", ", catalogue.Samples.Select(s => s.Key))}.", nameof(key));
        var downloads = Directory.CreateTempSubdirectory("neurolab-sample-").FullName;
        try
        {
            var fetchProgress = progress is null ? null : new Progress<FetchProgress>(p => progress.Report(new ImportProgress(p.Stage, p.FilesDone, p.FilesTotal, p.CurrentFile)));
            var files = await fetcher.FetchAsync(sample, downloads, fetchProgress, ct);
            var sources = sample.Files.Select(f => new ImportSource(f.Path, Enum.Parse<FileRole>(f.Role), LocalPath: files[f.Path], RunIndex: f.RunIndex)).ToList();
            return await importer.ImportAsync(
                new DatasetImportRequest(workspaceId, userId, sample.Title, sample.Description, Enum.Parse<DatasetSpace>(sample.Space), sources, sample.Recipe, sample.Key, sample.Citation, sample.Licence),
                progress, ct);
        }
        finally
        {
            Directory.Delete(downloads, recursive: true);
        }
    }
}
