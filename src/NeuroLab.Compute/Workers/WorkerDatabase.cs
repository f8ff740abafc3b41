using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using NeuroLab.Data;

namespace NeuroLab.Compute.Workers;

/// <summary>
/// MERGE SEAM (issue 15): the least this branch needs to talk to PostgreSQL before the configured-provider work
/// (<c>AddNeuroLabDatabase</c> in NeuroLab.Data, the NeuroLab.Data.PostgreSql migrations) lands. A compute worker
/// registers its database through <see cref="AddWorkerDatabase"/> only; at merge that one call becomes the shared
/// registration and this class goes. Tests create the schema with <see cref="EnsureCreatedAsync"/> (never the app).
/// </summary>
public static class WorkerDatabase
{
    /// <summary>The PostgreSQL connection string workers mode uses (<c>ConnectionStrings:NeuroLab</c>), for the runs and for Hangfire.</summary>
    public static string ConnectionString(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var provider = configuration["NeuroLab:Database:Provider"];
        var connectionString = configuration.GetConnectionString("NeuroLab");
        if (!string.Equals(provider, "postgresql", StringComparison.OrdinalIgnoreCase) || string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                "Compute workers need PostgreSQL: set NeuroLab:Database:Provider = postgresql and ConnectionStrings:NeuroLab (the database the web instances use).");
        }
        return connectionString;
    }

    /// <summary>Registers the database factory on PostgreSQL.</summary>
    public static IServiceCollection AddWorkerDatabase(this IServiceCollection services, string connectionString) =>
        services.AddDbContextFactory<NeuroLabDbContext>(o => o.UseNpgsql(connectionString));

    /// <summary>Creates the schema of an empty test database (tests only; the app migrates).</summary>
    public static async Task EnsureCreatedAsync(string connectionString, CancellationToken ct = default)
    {
        await using var db = new NeuroLabDbContext(new DbContextOptionsBuilder<NeuroLabDbContext>().UseNpgsql(connectionString).Options);
        await db.Database.EnsureCreatedAsync(ct);
    }

    /// <summary>A database factory on PostgreSQL outside dependency injection (tests, the benchmark).</summary>
    public static IDbContextFactory<NeuroLabDbContext> Factory(string connectionString) =>
        new Options(new DbContextOptionsBuilder<NeuroLabDbContext>().UseNpgsql(connectionString).Options);

    private sealed class Options(DbContextOptions<NeuroLabDbContext> options) : IDbContextFactory<NeuroLabDbContext>
    {
        public NeuroLabDbContext CreateDbContext() => new(options);
    }
}
