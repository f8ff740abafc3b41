namespace NeuroLab.Tests.Shared;

/// <summary>
/// Locates the read-only real datasets in <c>../shared/data</c> beside the repository root (or
/// <c>$NEUROLAB_SHARED_DATA</c>). Tests only read from there; anything they write goes to temp folders.
/// </summary>
public static class SharedData
{
    private static readonly Lazy<string> _root = new(FindRoot);

    /// <summary>Absolute path of the data folder.</summary>
    public static string Root => _root.Value;

    /// <summary>Absolute path of a file under the data folder, e.g. <c>Path("allen-v1/Allen_train_input.npy")</c>.</summary>
    public static string Path(string relative)
    {
        var full = System.IO.Path.Combine(Root, relative);
        return File.Exists(full) || Directory.Exists(full)
            ? full
            : throw new FileNotFoundException($"Shared data file missing: {full}. Is ../shared/data beside the repository?", full);
    }

    /// <summary>The folder holding NeuroLab.sln, found by walking up from the test binaries.</summary>
    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "NeuroLab.sln")))
            {
                dir = dir.Parent;
            }
            return dir?.FullName ?? throw new DirectoryNotFoundException("Could not find the repository root (NeuroLab.sln) above " + AppContext.BaseDirectory);
        }
    }

    private static string FindRoot()
    {
        var configured = Environment.GetEnvironmentVariable("NEUROLAB_SHARED_DATA");
        if (!string.IsNullOrEmpty(configured))
        {
            return configured;
        }
        var parent = Directory.GetParent(RepositoryRoot)
            ?? throw new DirectoryNotFoundException($"The repository root {RepositoryRoot} has no parent folder for shared/.");
        var data = System.IO.Path.Combine(parent.FullName, "shared", "data");
        return Directory.Exists(data)
            ? data
            : throw new DirectoryNotFoundException($"Real test data not found at {data}. Put the shared folder beside the repository or set NEUROLAB_SHARED_DATA.");
    }
}
