using NeuroLab.Web.Extensions;

var builder = WebApplication.CreateBuilder(args);
// Serve package and project static assets from the build output when not published, in any environment.
builder.WebHost.UseStaticWebAssets();
builder.AddNeuroLabConfiguration();
builder.AddNeuroLabServices();

var app = builder.Build();
await app.MigrateNeuroLabDatabaseAsync();
app.UseNeuroLabPipeline();
app.MapNeuroLabEndpoints();
await app.RunAsync();

/// <summary>Entry point, public for WebApplicationFactory in tests.</summary>
public partial class Program;
