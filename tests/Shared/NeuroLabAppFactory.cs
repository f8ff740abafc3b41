using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;

namespace NeuroLab.Tests.Shared;

/// <summary>
/// The whole web app on a temporary SQLite file and data folder, deleted on dispose (with
/// <c>NEUROLAB_TEST_DATABASE=postgresql</c>, on a fresh PostgreSQL database instead: <see cref="PostgresTestDatabase"/>). With
/// <paramref name="useKestrel"/> it listens on a real loopback port (for browsers and request limits);
/// otherwise it runs on the in-memory TestServer. <paramref name="services"/> adds registrations after the app's own
/// (e.g. a run kind that lives in the tests only).
/// </summary>
public sealed class NeuroLabAppFactory(bool useKestrel = false, IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    : WebApplicationFactory<Program>
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("neurolab-test-").FullName;
    private readonly PostgresTestDatabase? _postgres = PostgresTestDatabase.Selected ? PostgresTestDatabase.Create() : null;

    public string DataDirectory => _dataDirectory;

    /// <summary>True when the app runs on a fresh PostgreSQL database (<c>NEUROLAB_TEST_DATABASE=postgresql</c>).</summary>
    public bool UsesPostgres => _postgres is not null;

    /// <summary>The app's connection string (its PostgreSQL database, or its SQLite file), e.g. for a second instance on the same database.</summary>
    public string ConnectionString => _postgres?.ConnectionString ?? $"Data Source={Path.Combine(_dataDirectory, "neurolab.db")};Pooling=False";

    /// <summary>Base address of the Kestrel server (only with useKestrel).</summary>
    public Uri ServerAddress
    {
        get
        {
            if (!useKestrel)
            {
                throw new InvalidOperationException("Create the factory with useKestrel: true.");
            }
            StartServer();
            var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>() ?? throw new InvalidOperationException("The server has no addresses.");
            return new Uri(addresses.Addresses.First());
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("NeuroLab:DataDirectory", _dataDirectory);
        if (_postgres is not null)
        {
            builder.UseSetting("NeuroLab:Database:Provider", "postgresql");
            builder.UseSetting("ConnectionStrings:NeuroLab", _postgres.ConnectionString);
        }
        else
        {
            builder.UseSetting("ConnectionStrings:NeuroLab", $"Data Source={Path.Combine(_dataDirectory, "neurolab.db")};Pooling=False");
        }
        // Tests sign in many times from one address; the rate-limit test sets its own low limit.
        builder.UseSetting("NeuroLab:Security:SignInPermitLimit", "100000");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        // Samples come from the read-only real data beside the repository, never from the internet.
        builder.UseSetting("NeuroLab:Samples:MirrorDirectory", SharedData.Root);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }
        if (services is not null)
        {
            builder.ConfigureServices(services);
        }
        if (useKestrel)
        {
            this.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
            // In CI a browser class's server took the host's whole 30 s shutdown timeout to stop (connections left
            // open); a test server has nothing to drain, so 5 s is plenty and the browser classes start sooner.
            builder.ConfigureServices(s => s.Configure<Microsoft.Extensions.Hosting.HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5)));
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _postgres?.Dispose();
        }
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may still hold the file for a moment; the temp folder is cleaned by the OS.
        }
    }
}
