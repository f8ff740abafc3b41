using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NeuroLab.Compute.Workers;

// A compute worker: reads the root appsettings.json copied next to it (then environment variables and arguments, as
// the web app does), and executes the runs web instances queue in workers mode, on NeuroLab:Compute:Queues.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddNeuroLabWorker(builder.Configuration);
// SIGTERM: running runs let their lease go (RunExecutor), so another worker resumes them at once.
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
await builder.Build().RunAsync();
