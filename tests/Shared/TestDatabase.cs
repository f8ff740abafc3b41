using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using NeuroLab.Data;
using NeuroLab.Data.Extensions;
using NeuroLab.Data.Identity;
using Npgsql;

namespace NeuroLab.Tests.Shared;

/// <summary>
/// A migrated database, deleted on dispose: a temporary SQLite file, or with <c>NEUROLAB_TEST_DATABASE=postgresql</c> a
/// fresh PostgreSQL database on the server of <c>NEUROLAB_TEST_POSTGRES</c> (see <see cref="PostgresTestDatabase"/>).
/// </summary>
public sealed class TestDatabase : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("neurolab-data-tests-").FullName;
    private readonly PostgresTestDatabase? _postgres;

    public TestDatabase()
    {
        var builder = new DbContextOptionsBuilder<NeuroLabDbContext>();
        if (PostgresTestDatabase.Selected)
        {
            _postgres = PostgresTestDatabase.Create();
            new DatabaseSettings(DatabaseProvider.PostgreSql, _postgres.ConnectionString).Apply(builder);
        }
        else
        {
            builder.UseSqlite($"Data Source={Path.Combine(_directory, "test.db")};Pooling=False");
        }
        Factory = new FileFactory(builder.Options);
        using var db = Factory.CreateDbContext();
        db.Database.Migrate();
    }

    public IDbContextFactory<NeuroLabDbContext> Factory { get; }

    /// <summary>True when the tests run against PostgreSQL.</summary>
    public bool IsPostgres => _postgres is not null;

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
        _postgres?.Dispose();
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

/// <summary>
/// A fresh PostgreSQL database for one test, on the server of <c>NEUROLAB_TEST_POSTGRES</c>, dropped on dispose. Each
/// test process migrates one template database once; every test database is a <c>CREATE DATABASE ... TEMPLATE</c>
/// copy of it (milliseconds, where migrating takes seconds). Used when <c>NEUROLAB_TEST_DATABASE=postgresql</c>.
/// </summary>
public sealed class PostgresTestDatabase : IDisposable
{
    private static readonly Lazy<string> Template = new(CreateTemplate, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly string Prefix = $"nl_{Environment.ProcessId}_{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3))}";
    private static int _count;

    private PostgresTestDatabase(string name, string connectionString)
    {
        Name = name;
        ConnectionString = connectionString;
    }

    /// <summary>True when <c>NEUROLAB_TEST_DATABASE=postgresql</c>: the Data and Web tests run against PostgreSQL.</summary>
    public static bool Selected => string.Equals(Environment.GetEnvironmentVariable("NEUROLAB_TEST_DATABASE"), "postgresql", StringComparison.OrdinalIgnoreCase);

    public string Name { get; }

    /// <summary>An Npgsql connection string to this database.</summary>
    public string ConnectionString { get; }

    /// <summary>A new, migrated, empty database.</summary>
    public static PostgresTestDatabase Create()
    {
        var template = Template.Value;
        var name = $"{Prefix}_{Interlocked.Increment(ref _count)}";
        Execute($"CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"");
        return new PostgresTestDatabase(name, For(name, pooling: true));
    }

    public void Dispose()
    {
        using (var connection = new NpgsqlConnection(ConnectionString))
        {
            NpgsqlConnection.ClearPool(connection);
        }
        Execute($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)");
    }

    private static string Server => TestServers.Postgres
        ?? throw new InvalidOperationException("NEUROLAB_TEST_DATABASE=postgresql needs NEUROLAB_TEST_POSTGRES (an Npgsql connection string to a server where tests may create databases).");

    private static string For(string database, bool pooling) =>
        new NpgsqlConnectionStringBuilder(Server) { Database = database, Pooling = pooling }.ConnectionString;

    private static void Execute(string sql)
    {
        using var connection = new NpgsqlConnection(For("postgres", pooling: false));
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    private static string CreateTemplate()
    {
        var name = $"{Prefix}_template";
        Execute($"CREATE DATABASE \"{name}\"");
        // No pooling: CREATE DATABASE ... TEMPLATE refuses while a connection to the template is open.
        var options = new DbContextOptionsBuilder<NeuroLabDbContext>();
        new DatabaseSettings(DatabaseProvider.PostgreSql, For(name, pooling: false)).Apply(options);
        using (var db = new NeuroLabDbContext(options.Options))
        {
            db.Database.Migrate();
        }
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Execute($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
            }
            catch (NpgsqlException)
            {
                // The server may already be gone at exit; CI's cluster is temporary.
            }
        };
        return name;
    }
}
