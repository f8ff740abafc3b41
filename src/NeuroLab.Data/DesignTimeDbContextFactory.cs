using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace NeuroLab.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without starting the web app.</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<NeuroLabDbContext>
{
    public NeuroLabDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<NeuroLabDbContext>().UseSqlite("Data Source=design-time.db").Options);
}
