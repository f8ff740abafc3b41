using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using NeuroLab.Data;
using NeuroLab.Data.Extensions;

namespace NeuroLab.Compute.Workers;

/// <summary>
/// The PostgreSQL database of workers mode: the connection string it needs (the web instances' database, also Hangfire's
/// storage), and a factory and migration outside dependency injection for tests and the benchmark. The app itself
/// registers the database through <see cref="DatabaseServiceCollectionExtensions.AddNeuroLabDatabase"/>.
/// </summary>
public static class WorkerDatabase
{
    /// <summary>The PostgreSQL connection string workers mode uses (<c>ConnectionStrings:NeuroLab</c>), for the runs and for Hangfire.</summary>
    public static string ConnectionString(IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("NeuroLab");
        if (DatabaseSettings.ProviderFrom(configuration) != DatabaseProvider.PostgreSql || string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                "Compute workers need PostgreSQL: set NeuroLab:Database:Provider = postgresql and ConnectionStrings:NeuroLab (the database the web instances use).");
        }
        return connectionString;
    }

    /// <summary>Applies the PostgreSQL migrations to a database (tests and the benchmark; the web app migrates at start).</summary>
    public static async Task MigrateAsync(string connectionString, CancellationToken ct = default)
    {
        await using var db = new NeuroLabDbContext(Options(connectionString));
        await db.Database.MigrateAsync(ct);
    }

    /// <summary>A database factory on PostgreSQL outside dependency injection (tests, the benchmark).</summary>
    public static IDbContextFactory<NeuroLabDbContext> Factory(string connectionString) => new OptionsFactory(Options(connectionString));

    private static DbContextOptions<NeuroLabDbContext> Options(string connectionString) =>
        (DbContextOptions<NeuroLabDbContext>)new DatabaseSettings(DatabaseProvider.PostgreSql, connectionString).Apply(new DbContextOptionsBuilder<NeuroLabDbContext>()).Options;

    private sealed class OptionsFactory(DbContextOptions<NeuroLabDbContext> options) : IDbContextFactory<NeuroLabDbContext>
    {
        public NeuroLabDbContext CreateDbContext() => new(options);
    }
}
