namespace NeuroLab.Tests.Shared;

/// <summary>Where the solution's programs are built beside the running test assembly (same configuration and target framework).</summary>
public static class BuildOutput
{
    /// <summary>
    /// src/&lt;project&gt;/bin/&lt;configuration&gt;/&lt;tfm&gt;/&lt;project&gt;.dll for the configuration and framework this test
    /// assembly runs from (.../tests/&lt;TestProject&gt;/bin/&lt;configuration&gt;/&lt;tfm&gt;/); the test project builds it first.
    /// </summary>
    public static string Dll(string project)
    {
        var tfm = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = tfm.Parent!;
        var root = configuration.Parent!.Parent!.Parent!.Parent!.FullName;
        var dll = Path.Combine(root, "src", project, "bin", configuration.Name, tfm.Name, project + ".dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build src/{project} first: {dll} is missing.", dll);
    }
}
