using NeuroLab.Web.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddNeuroLabConfiguration();
builder.AddNeuroLabServices();

var app = builder.Build();
await app.MigrateNeuroLabDatabaseAsync();
app.UseNeuroLabPipeline();
app.MapNeuroLabEndpoints();
await app.RunAsync();

/// <summary>Entry point, public for WebApplicationFactory in tests.</summary>
public partial class Program;
