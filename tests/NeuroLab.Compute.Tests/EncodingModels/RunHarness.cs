using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using NeuroLab.Compute.EncodingModels;
using NeuroLab.Compute.RunKinds.EncodingRidge;
using NeuroLab.Compute.RunKinds.EncodingReadout;
using NeuroLab.Compute.RunKinds.VoxelCaptions;
using NeuroLab.Compute.RunKinds;
using NeuroLab.Compute.Runs;
using NeuroLab.Compute.Tests.Datasets;
using NeuroLab.Data.Runs;
using NeuroLab.Formats;
using NeuroLab.Formats.Numpy;

namespace NeuroLab.Compute.Tests.EncodingModels;

/// <summary>A started run queue with the encoding-ridge job over a fresh <see cref="ImportFixture"/>, for tests that submit runs and wait for them.</summary>
public sealed class RunHarness : IAsyncDisposable
{
    private readonly RunEventBus _bus = new();
    private readonly RunSignals _signals = new();
    private readonly RunQueue _queue;
    private readonly CancellationTokenSource _dispatch = new();
    private Task _dispatcher = Task.CompletedTask;

    private RunHarness(Microsoft.Extensions.AI.IChatClient? chat, Microsoft.Extensions.AI.IEmbeddingGenerator<string, Microsoft.Extensions.AI.Embedding<float>>? embeddings,
        NeuroLab.Compute.RunKinds.ReconstructionGenerative.GeneratorOptions? generator)
    {
        var features = Features.TestFeatureSpaces.Registry(F.Database.Factory, F.Store);
        var samples = new EncodingSamples(F.Store, features);
        var geometry = new NeuroLab.Compute.Geometry.UnitGeometryService(F.Database.Factory, F.Store);
        var ridge = new EncodingRidgeJob(F.Database.Factory, F.Store, features, samples, geometry);
        var jobs = new RunKindRegistry([
            RunKindRegistry.Create<EncodingRidgeParameters, EncodingRidgeSummary, EncodingRidgeJob>(ridge),
            RunKindRegistry.Create<NeuroLab.Compute.RunKinds.EncodingHierarchy.EncodingHierarchyParameters, NeuroLab.Compute.RunKinds.EncodingHierarchy.EncodingHierarchySummary, NeuroLab.Compute.RunKinds.EncodingHierarchy.EncodingHierarchyJob>(
                new NeuroLab.Compute.RunKinds.EncodingHierarchy.EncodingHierarchyJob(F.Database.Factory, F.Store, features, samples, geometry, ridge)),
            RunKindRegistry.Create<VoxelCaptionsParameters, VoxelCaptionsSummary, VoxelCaptionsJob>(new VoxelCaptionsJob(F.Database.Factory, F.Store, features, samples, chat, embeddings)),
            RunKindRegistry.Create<NeuroLab.Compute.RunKinds.ReconstructionRidge.ReconstructionRidgeParameters, NeuroLab.Compute.RunKinds.ReconstructionRidge.ReconstructionRidgeSummary, NeuroLab.Compute.RunKinds.ReconstructionRidge.ReconstructionRidgeJob>(
                new NeuroLab.Compute.RunKinds.ReconstructionRidge.ReconstructionRidgeJob(F.Database.Factory, F.Store, samples, ridge)),
            RunKindRegistry.Create<NeuroLab.Compute.RunKinds.ReconstructionDecoder.ReconstructionDecoderParameters, NeuroLab.Compute.RunKinds.ReconstructionDecoder.ReconstructionDecoderSummary, NeuroLab.Compute.RunKinds.ReconstructionDecoder.ReconstructionDecoderJob>(
                new NeuroLab.Compute.RunKinds.ReconstructionDecoder.ReconstructionDecoderJob(F.Database.Factory, F.Store, samples, ridge, new NeuroLab.Compute.Features.ResNet18.ResNet18Model())),
            RunKindRegistry.Create<NeuroLab.Compute.RunKinds.ReconstructionFeatures.ReconstructionFeaturesParameters, NeuroLab.Compute.RunKinds.ReconstructionFeatures.ReconstructionFeaturesSummary, NeuroLab.Compute.RunKinds.ReconstructionFeatures.ReconstructionFeaturesJob>(
                new NeuroLab.Compute.RunKinds.ReconstructionFeatures.ReconstructionFeaturesJob(F.Database.Factory, F.Store, features, samples, ridge, new NeuroLab.Compute.Features.ResNet18.ResNet18Model())),
            RunKindRegistry.Create<NeuroLab.Compute.RunKinds.ReconstructionGenerative.ReconstructionGenerativeParameters, NeuroLab.Compute.RunKinds.ReconstructionGenerative.ReconstructionGenerativeSummary, NeuroLab.Compute.RunKinds.ReconstructionGenerative.ReconstructionGenerativeJob>(
                new NeuroLab.Compute.RunKinds.ReconstructionGenerative.ReconstructionGenerativeJob(F.Database.Factory, F.Store, samples, ridge,
                    new NeuroLab.Compute.RunKinds.ReconstructionGenerative.GeneratorClient(new PlainHttpClients(), Microsoft.Extensions.Options.Options.Create(generator ?? new())))),
            RunKindRegistry.Create<NeuroLab.Compute.RunKinds.Rsa.RsaParameters, NeuroLab.Compute.RunKinds.Rsa.RsaSummary, NeuroLab.Compute.RunKinds.Rsa.RsaJob>(
                new NeuroLab.Compute.RunKinds.Rsa.RsaJob(F.Database.Factory, F.Store, features, new NeuroLab.Compute.Features.DatasetFeatures(F.Database.Factory, F.Store, features))),
            RunKindRegistry.Create<NeuroLab.Compute.RunKinds.Networks.NetworksParameters, NeuroLab.Compute.RunKinds.Networks.NetworksSummary, NeuroLab.Compute.RunKinds.Networks.NetworksJob>(
                new NeuroLab.Compute.RunKinds.Networks.NetworksJob(F.Database.Factory, F.Store)),
            RunKindRegistry.Create<NeuroLab.Compute.RunKinds.Decoding.DecodingParameters, NeuroLab.Compute.RunKinds.Decoding.DecodingSummary, NeuroLab.Compute.RunKinds.Decoding.DecodingJob>(
                new NeuroLab.Compute.RunKinds.Decoding.DecodingJob(F.Database.Factory, F.Store, geometry)),
        ]);
        Runs = new RunService(F.Database.Factory, F.Workspaces, jobs, _signals, TimeProvider.System, F.Store);
        _queue = new RunQueue(F.Database.Factory, jobs, _signals, _bus, F.Store, new ComputeOptions { PollInterval = TimeSpan.FromMilliseconds(100) }, TimeProvider.System, NullLogger<RunQueue>.Instance);
    }

    public ImportFixture F { get; } = new();

    public RunService Runs { get; }

    /// <summary>Every event the runs published (progress with its series, status changes), in order.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<RunEvent> Events { get; } = new();

    /// <summary>Starts the queue; <paramref name="generator"/> configures reconstruction-generative's service (none: not configured).</summary>
    public static async Task<RunHarness> StartAsync(
        Microsoft.Extensions.AI.IChatClient? chat = null, Microsoft.Extensions.AI.IEmbeddingGenerator<string, Microsoft.Extensions.AI.Embedding<float>>? embeddings = null,
        NeuroLab.Compute.RunKinds.ReconstructionGenerative.GeneratorOptions? generator = null)
    {
        var harness = new RunHarness(chat, embeddings, generator);
        harness._bus.Subscribe(e =>
        {
            harness.Events.Enqueue(e);
            return Task.CompletedTask;
        });
        harness._dispatcher = harness._bus.DispatchAsync(harness._dispatch.Token);
        await harness._queue.StartAsync(CancellationToken.None);
        return harness;
    }

    /// <summary>Submits an encoding-ridge run as Alice and waits until it has finished (succeeded, failed or cancelled).</summary>
    public Task<RunSummary> RunToEndAsync(Guid dataset, object parameters, int seed = 1, TimeSpan? timeout = null) =>
        RunToEndAsync(dataset, "encoding-ridge", parameters, seed, timeout);

    /// <summary>Submits a run of any kind as Alice and waits until it has finished.</summary>
    public async Task<RunSummary> RunToEndAsync(Guid dataset, string kind, object parameters, int seed = 1, TimeSpan? timeout = null)
    {
        var run = await Runs.SubmitAsync(F.Alice, F.WorkspaceId, dataset, kind, JsonSerializer.SerializeToElement(parameters), seed: seed);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(2));
        while (DateTime.UtcNow < deadline)
        {
            run = await Runs.GetAsync(F.Alice, run.Id);
            if (run.Status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled)
            {
                return run;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"run {run.Id} did not finish in time (status {run.Status}).");
    }

    /// <summary>Opens an artifact of a run by name (a clear error naming the run's artifacts when it has none of that name).</summary>
    public async Task<Stream> OpenArtifactAsync(Guid run, string name)
    {
        var artifacts = await Runs.ArtifactsAsync(F.Alice, run);
        var artifact = artifacts.SingleOrDefault(a => a.Name == name) ?? throw new InvalidOperationException($"run {run} has no artifact {name}; it has {string.Join(", ", artifacts.Select(a => a.Name))}.");
        return F.Store.OpenRead(artifact.Sha256);
    }

    /// <summary>An .npy artifact of a run.</summary>
    public async Task<NumericArray> ArtifactAsync(Guid run, string name)
    {
        await using var stream = await OpenArtifactAsync(run, name);
        return NpyReader.Read(stream, name).ToCOrder();
    }

    /// <summary>A JSON artifact of a run (e.g. captions.json).</summary>
    public async Task<JsonElement> ArtifactJsonAsync(Guid run, string name)
    {
        await using var stream = await OpenArtifactAsync(run, name);
        return (await JsonDocument.ParseAsync(stream)).RootElement.Clone();
    }

    /// <summary>A text artifact of a run (e.g. a CSV table).</summary>
    public async Task<string> ArtifactTextAsync(Guid run, string name)
    {
        await using var stream = await OpenArtifactAsync(run, name);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _queue.StopAsync(CancellationToken.None);
        _queue.Dispose();
        await _dispatch.CancelAsync();
        await _dispatcher.ContinueWith(_ => { }, TaskScheduler.Default);
        _dispatch.Dispose();
        F.Dispose();
    }

    /// <summary>A new HttpClient per name, as IHttpClientFactory hands them out (no pooling needed in tests).</summary>
    private sealed class PlainHttpClients : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new();
    }
}
