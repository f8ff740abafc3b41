using Microsoft.EntityFrameworkCore;
using NeuroLab.Data.Extensions;

namespace NeuroLab.Data.Tests;

/// <summary>
/// Each provider's migrations are kept in step with the model (docs/decisions/020): a schema change that lacks either
/// provider's migration fails here. Neither check needs a database server (the model is compared with the snapshot).
/// </summary>
public sealed class ProviderMigrationsTests
{
    [Fact]
    public void SqliteMigrations_CurrentModel_NoPendingChanges()
    {
        using var db = Context(DatabaseProvider.Sqlite, "Data Source=:memory:");
        Assert.NotEmpty(db.Database.GetMigrations());
        Assert.False(db.Database.HasPendingModelChanges(),
            "The model has changes without a SQLite migration: dotnet ef migrations add <Name> --project src/NeuroLab.Data (docs/decisions/020).");
    }

    [Fact]
    public void PostgreSqlMigrations_CurrentModel_NoPendingChanges()
    {
        using var db = Context(DatabaseProvider.PostgreSql, "Host=localhost;Database=unused");
        Assert.NotEmpty(db.Database.GetMigrations());
        Assert.False(db.Database.HasPendingModelChanges(),
            "The model has changes without a PostgreSQL migration: dotnet ef migrations add <Name> --project src/NeuroLab.Data.PostgreSql (docs/decisions/020).");
    }

    [Fact]
    public void Migrations_EachProvider_SameMigrationsAssemblyAsConfigured()
    {
        using var sqlite = Context(DatabaseProvider.Sqlite, "Data Source=:memory:");
        using var postgres = Context(DatabaseProvider.PostgreSql, "Host=localhost;Database=unused");
        Assert.All(sqlite.Database.GetMigrations(), m => Assert.DoesNotContain(m, postgres.Database.GetMigrations()));
        Assert.Equal("Microsoft.EntityFrameworkCore.Sqlite", sqlite.Database.ProviderName);
        Assert.Equal(NeuroLabDbContext.PostgreSqlProviderName, postgres.Database.ProviderName);
    }

    private static NeuroLabDbContext Context(DatabaseProvider provider, string connectionString)
    {
        var options = new DbContextOptionsBuilder<NeuroLabDbContext>();
        new DatabaseSettings(provider, connectionString).Apply(options);
        return new NeuroLabDbContext(options.Options);
    }
}
