using NeuroLab.Compute.Datasets;
using NeuroLab.Compute.Samples;
using NeuroLab.Data.Datasets;
using NeuroLab.Data.Storage;
using NeuroLab.Data.Workspaces;

namespace NeuroLab.Compute.Tests.Datasets;

/// <summary>A database, a content store and the import services, with one workspace owned by "alice".</summary>
public sealed class ImportFixture : IDisposable
{
    private readonly string _storeRoot = Directory.CreateTempSubdirectory("neurolab-import-store-").FullName;

    public ImportFixture(long quotaBytes = 0)
    {
        Database = new TestDatabase();
        Store = new ContentStore(_storeRoot);
        Workspaces = new WorkspaceService(Database.Factory, TestDatabase.Normalizer, TimeProvider.System);
        Datasets = new DatasetService(Database.Factory, Workspaces, Store, TimeProvider.System);
        Importer = new DatasetImporter(Database.Factory, Workspaces, Datasets, Store, TimeProvider.System, quotaBytes);
        Uploads = new UploadService(Database.Factory, Workspaces, Store, TimeProvider.System, InspectionGate.Default);
        Samples = new SampleImportService(SampleCatalogue.LoadBuiltIn(), new SampleFetcher(new HttpClient(), SharedData.Root), Importer, Workspaces);
        Alice = Database.AddUser("alice@lab.org");
        WorkspaceId = Workspaces.CreateAsync(Alice, "Lab").GetAwaiter().GetResult().Id;
    }

    public TestDatabase Database { get; }

    public ContentStore Store { get; }

    public WorkspaceService Workspaces { get; }

    public DatasetService Datasets { get; }

    public DatasetImporter Importer { get; }

    public UploadService Uploads { get; }

    public SampleImportService Samples { get; }

    public string Alice { get; }

    public Guid WorkspaceId { get; }

    public int BlobCount => Directory.GetFiles(_storeRoot, "*.blob", SearchOption.AllDirectories).Length;

    public void Dispose()
    {
        Database.Dispose();
        Directory.Delete(_storeRoot, recursive: true);
    }
}
