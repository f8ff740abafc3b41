using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace NeuroLab.Data.Extensions;

/// <summary>The database engine NeuroLab runs on (<c>NeuroLab:Database:Provider</c>).</summary>
public enum DatabaseProvider
{
    /// <summary>An embedded SQLite file (the zero-configuration default).</summary>
    Sqlite,

    /// <summary>A PostgreSQL server, shared by several web instances and workers.</summary>
    PostgreSql,
}

/// <summary>The database NeuroLab is configured with: its provider and connection string.</summary>
public sealed record DatabaseSettings(DatabaseProvider Provider, string ConnectionString)
{
    /// <summary>Configuration key of the provider: <c>sqlite</c> (default) or <c>postgresql</c>.</summary>
    public const string ProviderKey = "NeuroLab:Database:Provider";

    /// <summary>Configuration key of the connection string.</summary>
    public const string ConnectionStringKey = "ConnectionStrings:NeuroLab";

    /// <summary>The assembly that holds the PostgreSQL migrations (the SQLite ones live in NeuroLab.Data).</summary>
    public const string PostgreSqlMigrationsAssembly = "NeuroLab.Data.PostgreSql";

    /// <summary>
    /// Reads the provider and connection string. SQLite without a connection string uses
    /// <c>&lt;dataDirectory&gt;/neurolab.db</c>; an unknown provider or PostgreSQL without a connection string throws,
    /// naming the key to set.
    /// </summary>
    public static DatabaseSettings From(IConfiguration configuration, string dataDirectory)
    {
        var provider = ProviderFrom(configuration);
        var connectionString = configuration.GetConnectionString("NeuroLab");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            if (provider == DatabaseProvider.PostgreSql)
            {
                throw new InvalidOperationException(
                    $"{ProviderKey} is 'postgresql' but {ConnectionStringKey} is empty: set it to an Npgsql connection string, e.g. Host=db;Database=neurolab;Username=neurolab;Password=... (or the environment variable ConnectionStrings__NeuroLab).");
            }
            var directory = Path.GetFullPath(dataDirectory);
            Directory.CreateDirectory(directory);
            connectionString = $"Data Source={Path.Combine(directory, "neurolab.db")}";
        }
        return new DatabaseSettings(provider, connectionString);
    }

    /// <summary>The configured provider alone (no connection string, nothing created); an unknown name throws, naming the key.</summary>
    public static DatabaseProvider ProviderFrom(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var name = configuration[ProviderKey]?.Trim();
        return name?.ToLowerInvariant() switch
        {
            null or "" or "sqlite" => DatabaseProvider.Sqlite,
            "postgresql" or "postgres" or "npgsql" => DatabaseProvider.PostgreSql,
            _ => throw new InvalidOperationException($"{ProviderKey} is '{name}': use 'sqlite' (the default) or 'postgresql'."),
        };
    }

    /// <summary>Points <paramref name="options"/> at this database, with the provider's migrations assembly.</summary>
    public DbContextOptionsBuilder Apply(DbContextOptionsBuilder options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Provider switch
        {
            DatabaseProvider.PostgreSql => options.UseNpgsql(ConnectionString, x => x.MigrationsAssembly(PostgreSqlMigrationsAssembly)),
            _ => options.UseSqlite(ConnectionString),
        };
    }

    /// <summary>Names the provider only: the connection string may hold a password.</summary>
    public override string ToString() => $"{Provider}";
}

/// <summary>Registers NeuroLab's database for the web app and the compute workers alike.</summary>
public static class DatabaseServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IDbContextFactory{NeuroLabDbContext}"/> (and the scoped context Identity's stores use) on
    /// the configured provider, plus the <see cref="DatabaseSettings"/> singleton. <paramref name="configure"/> adds to
    /// the options (interceptors, logging).
    /// </summary>
    public static IServiceCollection AddNeuroLabDatabase(this IServiceCollection services, IConfiguration configuration, string dataDirectory, Action<IServiceProvider, DbContextOptionsBuilder>? configure = null)
    {
        var settings = DatabaseSettings.From(configuration, dataDirectory);
        services.AddSingleton(settings);
        services.AddDbContextFactory<NeuroLabDbContext>((sp, o) =>
        {
            settings.Apply(o);
            configure?.Invoke(sp, o);
        });
        return services;
    }

    /// <summary>
    /// Applies the provider's migrations (creating the SQLite file on first start, turning on its WAL journal).
    /// Several processes may call it at once: EF Core takes a migration lock.
    /// </summary>
    public static async Task MigrateNeuroLabDatabaseAsync(this IServiceProvider services, CancellationToken ct = default)
    {
        var factory = services.GetRequiredService<IDbContextFactory<NeuroLabDbContext>>();
        await using var db = await factory.CreateDbContextAsync(ct);
        if (db.Database.IsSqlite())
        {
            // WAL lets readers (UI pages) proceed while a writer (a run storing results) commits.
            await db.Database.OpenConnectionAsync(ct);
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
            await db.Database.CloseConnectionAsync();
        }
        await db.Database.MigrateAsync(ct);
        var connection = db.Database.GetDbConnection();
        services.GetService<ILoggerFactory>()?.CreateLogger("NeuroLab.Data").LogInformation("Database ready: {Provider} {DataSource}/{Database}",
            db.Database.ProviderName, connection.DataSource, connection.Database);
    }
}
