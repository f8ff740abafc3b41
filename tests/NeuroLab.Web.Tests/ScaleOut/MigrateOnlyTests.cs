using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using NeuroLab.Data;

namespace NeuroLab.Web.Tests.ScaleOut;

/// <summary>
/// <c>dotnet NeuroLab.Web.dll --migrate-only</c>, as a deploy step or Kubernetes Job runs it: the built app as a child
/// process applies the configured database's migrations and exits (0), again as a no-op, and refuses bad settings with
/// a non-zero exit naming the key.
/// </summary>
public sealed class MigrateOnlyTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("neurolab-migrate-only-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string WebDll => BuildOutput.Dll("NeuroLab.Web");

    private async Task<(int ExitCode, string Output)> MigrateOnlyAsync(Dictionary<string, string> settings, string argument = "--migrate-only")
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(WebDll)!,
        };
        start.ArgumentList.Add(WebDll);
        start.ArgumentList.Add(argument);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["NeuroLab__DataDirectory"] = _directory;
        start.Environment["Logging__LogLevel__Default"] = "Information";
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"--migrate-only did not exit within 2 minutes:\n{await output}\n{await error}");
        }
        return (process.ExitCode, await output + await error);
    }

    [Fact]
    public async Task FreshSqliteDatabase_EveryMigrationApplied_Exits0_SecondRunIsANoOp()
    {
        var connection = $"Data Source={Path.Combine(_directory, "neurolab.db")};Pooling=False";
        var settings = new Dictionary<string, string> { ["ConnectionStrings__NeuroLab"] = connection };

        var (exitCode, output) = await MigrateOnlyAsync(settings);

        Assert.True(exitCode == 0, output);
        Assert.Contains("Database ready", output, StringComparison.Ordinal);
        // It exits instead of listening.
        Assert.DoesNotContain("Now listening", output, StringComparison.Ordinal);
        await using (var db = new NeuroLabDbContext(new DbContextOptionsBuilder<NeuroLabDbContext>().UseSqlite(connection).Options))
        {
            Assert.Empty(await db.Database.GetPendingMigrationsAsync());
            Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync());
            Assert.NotEmpty(db.Database.GetMigrations());
        }

        (exitCode, output) = await MigrateOnlyAsync(settings);
        Assert.True(exitCode == 0, output);
    }

    [Fact]
    public async Task UnknownProvider_ExitsNonZero_NamingTheKey()
    {
        var (exitCode, output) = await MigrateOnlyAsync(new Dictionary<string, string> { ["NeuroLab__Database__Provider"] = "oracle" });

        Assert.NotEqual(0, exitCode);
        Assert.Contains("NeuroLab:Database:Provider is 'oracle'", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SwitchWithAValue_RefusedWithExit2_InsteadOfStartingTheServer()
    {
        var (exitCode, output) = await MigrateOnlyAsync([], "--migrate-only=true");

        Assert.Equal(2, exitCode);
        Assert.Contains("Unknown argument '--migrate-only=true'", output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_directory, "neurolab.db")));
    }
}
