using System.Diagnostics;
using NeuroLab.Compute.Datasets;
using NeuroLab.Compute.Samples;
using NeuroLab.Data.Datasets;
using NeuroLab.Data.Storage;
using NeuroLab.Data.Workspaces;
using NeuroLab.Tests.Shared;

namespace NeuroLab.Bench;

/// <summary>Time to import the whole sample catalogue from the local mirror (../shared/data) into a fresh database and store.</summary>
internal static class CatalogueBench
{
    public static Task RunAsync()
    {
        Child.PrintTable("Sample catalogue import from the mirror (fresh SQLite file and content store)", [Child.Run("catalogue")]);
        return Task.CompletedTask;
    }

    public static async Task<Measurement> ImportAllAsync()
    {
        using var database = new TestDatabase();
        var root = Directory.CreateTempSubdirectory("neurolab-bench-store-").FullName;
        try
        {
            var store = new ContentStore(root);
            var workspaces = new WorkspaceService(database.Factory, TestDatabase.Normalizer, TimeProvider.System);
            var datasets = new DatasetService(database.Factory, workspaces, store, TimeProvider.System);
            var importer = new DatasetImporter(database.Factory, workspaces, datasets, store, TimeProvider.System);
            var catalogue = SampleCatalogue.LoadBuiltIn();
            var samples = new SampleImportService(catalogue, new SampleFetcher(new HttpClient(), SharedData.Root), importer, workspaces);
            var user = database.AddUser("bench@lab.org");
            var workspace = (await workspaces.CreateAsync(user, "Bench")).Id;
            var sw = Stopwatch.StartNew();
            var perSample = new List<string>();
            foreach (var sample in catalogue.Samples)
            {
                var t = sw.Elapsed;
                await samples.ImportAsync(user, workspace, sample.Key);
                perSample.Add($"{sample.Key} {(sw.Elapsed - t).TotalSeconds:0.0}s");
            }
            sw.Stop();
            return new Measurement($"import {catalogue.Samples.Count} samples, {catalogue.Samples.Sum(s => s.Files.Count)} files", sw.Elapsed.TotalSeconds, 0, string.Join(", ", perSample));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
