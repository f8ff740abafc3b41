using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using NeuroLab.Compute.RunKinds;
using NeuroLab.Compute.RunKinds.EncodingHierarchy;
using NeuroLab.Compute.RunKinds.EncodingReadout;
using NeuroLab.Compute.RunKinds.EncodingRidge;
using NeuroLab.Compute.RunKinds.VoxelCaptions;
using NeuroLab.Compute.Features;
using NeuroLab.Compute.Geometry;
using NeuroLab.Compute.Runs;

namespace NeuroLab.Compute.Extensions;

/// <summary>The compute host's wiring, shared by the web app and any process that hosts compute.</summary>
public static class ComputeServiceCollectionExtensions
{
    /// <summary>
    /// Registers the run service, the run kinds, the unit-geometry service, the in-process event bus and signals, and the run queue, with
    /// <see cref="ComputeOptions"/> bound from <c>NeuroLab:Compute</c> (checked at start-up). Needs the database
    /// factory, the content store and the workspace service registered by the host.
    /// </summary>
    public static IServiceCollection AddNeuroLabCompute(this IServiceCollection services)
    {
        services.AddOptions<ComputeOptions>()
            .BindConfiguration(ComputeOptions.SectionName)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ComputeOptions>, ComputeOptionsValidator>());
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<ComputeOptions>>().Value);
        services.TryAddSingleton(TimeProvider.System);

        // In-process today; an event bus or signals across processes replace these two registrations.
        services.TryAddSingleton<RunEventBus>();
        services.TryAddSingleton<IRunEventBus>(sp => sp.GetRequiredService<RunEventBus>());
        services.TryAddSingleton<Events.WorkspaceEventBus>();
        services.TryAddSingleton<Events.IWorkspaceEventBus>(sp => sp.GetRequiredService<Events.WorkspaceEventBus>());
        services.AddHostedService<RunEventDispatcher>();
        services.AddHostedService<Events.WorkspaceEventDispatcher>();
        services.TryAddSingleton<IRunSignals, RunSignals>();
        // Who a queued run is handed to: this host's queue; in workers mode a Hangfire job (AddNeuroLabRunDispatch).
        services.TryAddSingleton<Workers.IRunDispatcher, Workers.InProcessRunDispatcher>();

        services.AddScoped<RunService>();
        services.AddFeatureSpaces();
        services.AddSingleton<DatasetFeatures>();
        services.TryAddSingleton<UnitGeometryService>();
        services.TryAddSingleton<EncodingSamples>();
        // The built-in sentence model of captions (loads on first use); a host's IEmbeddingGenerator endpoint overrides it.
        services.TryAddSingleton<NeuroLab.Compute.Captions.MiniLmEmbeddingGenerator>();
        services.AddRunKind<EncodingRidgeParameters, EncodingRidgeSummary, EncodingRidgeJob>();
        services.AddRunKind<EncodingReadoutParameters, EncodingReadoutSummary, EncodingReadoutJob>();
        services.AddRunKind<EncodingHierarchyParameters, EncodingHierarchySummary, EncodingHierarchyJob>();
        services.AddRunKind<VoxelCaptionsParameters, VoxelCaptionsSummary, VoxelCaptionsJob>();
        services.AddRunKind<RunKinds.ReconstructionRidge.ReconstructionRidgeParameters, RunKinds.ReconstructionRidge.ReconstructionRidgeSummary, RunKinds.ReconstructionRidge.ReconstructionRidgeJob>();
        services.AddRunKind<RunKinds.ReconstructionDecoder.ReconstructionDecoderParameters, RunKinds.ReconstructionDecoder.ReconstructionDecoderSummary, RunKinds.ReconstructionDecoder.ReconstructionDecoderJob>();
        services.AddRunKind<RunKinds.ReconstructionFeatures.ReconstructionFeaturesParameters, RunKinds.ReconstructionFeatures.ReconstructionFeaturesSummary, RunKinds.ReconstructionFeatures.ReconstructionFeaturesJob>();
        RunKinds.ReconstructionGenerative.GeneratorServiceCollectionExtensions.AddGenerator(services);
        services.AddRunKind<RunKinds.ReconstructionGenerative.ReconstructionGenerativeParameters, RunKinds.ReconstructionGenerative.ReconstructionGenerativeSummary, RunKinds.ReconstructionGenerative.ReconstructionGenerativeJob>();
        services.AddRunKind<RunKinds.Rsa.RsaParameters, RunKinds.Rsa.RsaSummary, RunKinds.Rsa.RsaJob>();
        services.AddRunKind<RunKinds.Networks.NetworksParameters, RunKinds.Networks.NetworksSummary, RunKinds.Networks.NetworksJob>();
        services.AddRunKind<RunKinds.Decoding.DecodingParameters, RunKinds.Decoding.DecodingSummary, RunKinds.Decoding.DecodingJob>();

        // Registered whatever RunQueueEnabled says: the queue reads the option and stays idle when it is false.
        services.TryAddSingleton<RunQueue>();
        services.AddHostedService(sp => sp.GetRequiredService<RunQueue>());
        return services;
    }

    private sealed class ComputeOptionsValidator : IValidateOptions<ComputeOptions>
    {
        public ValidateOptionsResult Validate(string? name, ComputeOptions options) =>
            options.Problems() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }
}
