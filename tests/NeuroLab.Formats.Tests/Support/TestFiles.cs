using System.Text.Json;

namespace NeuroLab.Formats.Tests.Support;

/// <summary>Paths of committed fixtures and reference JSON produced by the scripts in Reference/.</summary>
public static class TestFiles
{
    private static readonly Lazy<string> _repoRoot = new(() =>
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "NeuroLab.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new DirectoryNotFoundException("NeuroLab.sln not found above " + AppContext.BaseDirectory);
    });

    private static readonly Lazy<string> _projectDir = new(() => Path.Combine(_repoRoot.Value, "tests", "NeuroLab.Formats.Tests"));

    /// <summary>The repository root (the folder holding NeuroLab.sln).</summary>
    public static string RepoRoot => _repoRoot.Value;

    /// <summary>A fixture file, e.g. <c>Fixture("nifti", "dtype_int16.nii")</c>.</summary>
    public static string Fixture(string folder, string name) => Path.Combine(_projectDir.Value, "Fixtures", folder, name);

    /// <summary>A parsed reference JSON document from Reference/.</summary>
    public static JsonDocument Reference(string name) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(_projectDir.Value, "Reference", name)));
}
