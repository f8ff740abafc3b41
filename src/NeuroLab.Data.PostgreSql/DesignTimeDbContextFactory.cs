using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using NeuroLab.Data.Extensions;

namespace NeuroLab.Data.PostgreSql;

/// <summary>
/// Lets <c>dotnet ef migrations add X --project src/NeuroLab.Data.PostgreSql</c> build the PostgreSQL model; no server
/// is contacted to add a migration (docs/decisions/020).
/// </summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<NeuroLabDbContext>
{
    public NeuroLabDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<NeuroLabDbContext>()
            .UseNpgsql("Host=localhost;Database=neurolab_design", x => x.MigrationsAssembly(DatabaseSettings.PostgreSqlMigrationsAssembly))
            .Options);
}
