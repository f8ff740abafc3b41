using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using NeuroLab.Compute.Events;
using NeuroLab.Compute.Events.Redis;
using NeuroLab.Compute.Runs;

namespace NeuroLab.Compute.Extensions;

/// <summary>Which run and workspace event buses a process gets: in-process, or across processes through Redis.</summary>
public static class EventsServiceCollectionExtensions
{
    /// <summary>The configuration key: a StackExchange.Redis configuration string; empty keeps events in the process.</summary>
    public const string RedisKey = "NeuroLab:Events:Redis";

    /// <summary>
    /// Registers <see cref="IRunEventBus"/> and <see cref="IWorkspaceEventBus"/>: the in-process streams when
    /// <c>NeuroLab:Events:Redis</c> is empty, otherwise buses that also carry events to and from the other processes
    /// (web instances, workers) through Redis pub/sub (<see cref="RedisEventRelay"/>). Call it before
    /// <c>AddNeuroLabCompute</c>, whose in-process registrations then stand back; the dispatchers of the local streams
    /// are the same either way.
    /// </summary>
    public static IServiceCollection AddNeuroLabEvents(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton<RunEventBus>();
        services.TryAddSingleton<WorkspaceEventBus>();
        var redis = configuration[RedisKey];
        if (string.IsNullOrWhiteSpace(redis))
        {
            services.TryAddSingleton<IRunEventBus>(sp => sp.GetRequiredService<RunEventBus>());
            services.TryAddSingleton<IWorkspaceEventBus>(sp => sp.GetRequiredService<WorkspaceEventBus>());
            return services;
        }
        services.AddSingleton(new RedisEventOptions(redis));
        // Activity items are published by compute itself (ActivityEventPublisher); member removals carry a string.
        services.AddWorkspaceEventData<NeuroLab.Data.Audit.ActivityItem>();
        services.TryAddSingleton(sp => new RedisEventCodec(sp.GetRequiredService<IOptions<WorkspaceEventDataTypes>>().Value));
        services.TryAddSingleton<RedisEventRelay>();
        services.AddHostedService(sp => sp.GetRequiredService<RedisEventRelay>());
        services.TryAddSingleton<IRunEventBus, RedisRunEventBus>();
        services.TryAddSingleton<IWorkspaceEventBus, RedisWorkspaceEventBus>();
        return services;
    }

    /// <summary>
    /// Lets <see cref="WorkspaceEvent.Data"/> of type <typeparamref name="T"/> arrive typed from other processes (pages
    /// matching <c>e.Data is T</c> then see it); unregistered data arrives as a JSON element. See <see cref="RedisEventCodec"/>.
    /// </summary>
    public static IServiceCollection AddWorkspaceEventData<T>(this IServiceCollection services)
    {
        services.AddOptions<WorkspaceEventDataTypes>().Configure(types => types.Add(typeof(T)));
        return services;
    }
}
