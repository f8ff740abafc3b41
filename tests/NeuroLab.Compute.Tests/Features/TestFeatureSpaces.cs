using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NeuroLab.Compute.Features;
using NeuroLab.Data;
using NeuroLab.Data.Storage;

namespace NeuroLab.Compute.Tests.Features;

/// <summary>The feature-space registry as the host wires it (<see cref="FeatureSpaceServiceCollectionExtensions.AddFeatureSpaces"/>), over a test database and store.</summary>
internal static class TestFeatureSpaces
{
    public static FeatureSpaceRegistry Registry(IDbContextFactory<NeuroLabDbContext> db, ContentStore store, Action<IServiceCollection>? more = null)
    {
        var services = new ServiceCollection().AddSingleton(db).AddSingleton(store).AddFeatureSpaces();
        more?.Invoke(services);
        return services.BuildServiceProvider().GetRequiredService<FeatureSpaceRegistry>();
    }
}
