using Microsoft.EntityFrameworkCore;

namespace NeuroLab.Data.Tests;

public sealed class MigrationTests
{
    [Fact]
    public void Migrations_CoverTheModel_NoPendingChanges()
    {
        using var database = new TestDatabase();
        using var db = database.Factory.CreateDbContext();
        Assert.False(db.Database.HasPendingModelChanges(), "The model has changes without a migration: run `dotnet ef migrations add` in src/NeuroLab.Data.");
        Assert.Empty(db.Database.GetPendingMigrations());
    }
}
