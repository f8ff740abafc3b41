using Microsoft.Extensions.Configuration;
using NeuroLab.Data.Extensions;

namespace NeuroLab.Data.Tests;

public sealed class DatabaseSettingsTests
{
    [Fact]
    public void From_NothingConfigured_SqliteFileInDataDirectory()
    {
        var directory = Directory.CreateTempSubdirectory("neurolab-settings-").FullName;
        try
        {
            var settings = DatabaseSettings.From(Configuration([]), directory);
            Assert.Equal(DatabaseProvider.Sqlite, settings.Provider);
            Assert.Equal($"Data Source={Path.Combine(directory, "neurolab.db")}", settings.ConnectionString);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void From_PostgreSqlWithConnectionString_PostgreSql()
    {
        var settings = DatabaseSettings.From(Configuration(new() { ["NeuroLab:Database:Provider"] = "PostgreSQL", ["ConnectionStrings:NeuroLab"] = "Host=db;Database=neurolab" }), "unused");
        Assert.Equal(DatabaseProvider.PostgreSql, settings.Provider);
        Assert.Equal("Host=db;Database=neurolab", settings.ConnectionString);
        Assert.DoesNotContain("Host", settings.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void From_PostgreSqlWithoutConnectionString_ThrowsNamingTheKey()
    {
        var e = Assert.Throws<InvalidOperationException>(() => DatabaseSettings.From(Configuration(new() { ["NeuroLab:Database:Provider"] = "postgresql" }), "unused"));
        Assert.Contains("ConnectionStrings:NeuroLab", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void From_UnknownProvider_ThrowsNamingTheKey()
    {
        var e = Assert.Throws<InvalidOperationException>(() => DatabaseSettings.From(Configuration(new() { ["NeuroLab:Database:Provider"] = "mysql" }), "unused"));
        Assert.Contains("NeuroLab:Database:Provider", e.Message, StringComparison.Ordinal);
        Assert.Contains("mysql", e.Message, StringComparison.Ordinal);
    }

    private static IConfiguration Configuration(Dictionary<string, string?> values) => new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
