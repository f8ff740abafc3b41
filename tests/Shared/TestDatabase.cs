using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using NeuroLab.Data;
using NeuroLab.Data.Identity;

namespace NeuroLab.Tests.Shared;

/// <summary>A migrated SQLite database in a temporary file, deleted on dispose.</summary>
public sealed class TestDatabase : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("neurolab-data-tests-").FullName;

    public TestDatabase()
    {
        var options = new DbContextOptionsBuilder<NeuroLabDbContext>()
            .UseSqlite($"Data Source={Path.Combine(_directory, "test.db")};Pooling=False")
            .Options;
        Factory = new FileFactory(options);
        using var db = Factory.CreateDbContext();
        db.Database.Migrate();
    }

    public IDbContextFactory<NeuroLabDbContext> Factory { get; }

    /// <summary>Adds a user directly (Identity's password hashing is not under test here).</summary>
    public string AddUser(string email)
    {
        using var db = Factory.CreateDbContext();
        var user = new ApplicationUser { UserName = email, Email = email, NormalizedEmail = email.ToUpperInvariant(), NormalizedUserName = email.ToUpperInvariant() };
        db.Users.Add(user);
        db.SaveChanges();
        return user.Id;
    }

    public static ILookupNormalizer Normalizer { get; } = new UpperInvariantLookupNormalizer();

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A handle may still be closing; the OS temp cleaner gets it.
        }
    }

    private sealed class FileFactory(DbContextOptions<NeuroLabDbContext> options) : IDbContextFactory<NeuroLabDbContext>
    {
        public NeuroLabDbContext CreateDbContext() => new(options);
    }
}
