using NeuroLab.Web.Extensions;

// "--migrate-only": apply the configured database's migrations and exit (0 when the schema is current), for a deploy
// step or a Kubernetes Job before new web pods start (infra/README.md); the other arguments work as usual.
const string MigrateOnly = "--migrate-only";
if (args.FirstOrDefault(a => a.StartsWith(MigrateOnly, StringComparison.OrdinalIgnoreCase) && !a.Equals(MigrateOnly, StringComparison.OrdinalIgnoreCase)) is { } misspelt)
{
    // "--migrate-only=true" would otherwise reach the configuration as a setting and start the server.
    Console.Error.WriteLine($"Unknown argument '{misspelt}': use {MigrateOnly} on its own.");
    return 2;
}
var migrateOnly = args.Any(a => a.Equals(MigrateOnly, StringComparison.OrdinalIgnoreCase));
var builder = WebApplication.CreateBuilder(args.Where(a => !a.Equals(MigrateOnly, StringComparison.OrdinalIgnoreCase)).ToArray());
// Serve package and project static assets from the build output when not published, in any environment.
builder.WebHost.UseStaticWebAssets();
builder.AddNeuroLabConfiguration();
builder.AddNeuroLabServices();

await using var app = builder.Build();
await app.MigrateNeuroLabDatabaseAsync();
if (migrateOnly)
{
    // Disposing the app (await using) flushes the console logger's queue: "Database ready" reaches the log.
    return 0;
}
app.UseNeuroLabPipeline();
app.MapNeuroLabEndpoints();
await app.RunAsync();
return 0;

/// <summary>Entry point, public for WebApplicationFactory in tests.</summary>
public partial class Program;
