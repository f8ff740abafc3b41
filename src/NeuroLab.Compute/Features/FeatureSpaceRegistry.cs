using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NeuroLab.Compute.Features.ResNet18;

namespace NeuroLab.Compute.Features;

/// <summary>
/// Every feature space this server computes, in registration order. Runs name spaces in <c>features</c> or
/// <c>bands</c>; a name the registry does not hold is refused with the allowed ones, never replaced by a default.
/// </summary>
public sealed class FeatureSpaceRegistry
{
    private readonly Dictionary<string, IFeatureSpace> _byName;

    public FeatureSpaceRegistry(IEnumerable<IFeatureSpace> spaces)
    {
        All = [.. spaces];
        _byName = new Dictionary<string, IFeatureSpace>(StringComparer.Ordinal);
        foreach (var space in All)
        {
            if (!_byName.TryAdd(space.Name, space))
            {
                throw new InvalidOperationException($"Two feature spaces are registered as '{space.Name}'.");
            }
        }
    }

    /// <summary>The registered spaces, in registration order (the order choice lists show).</summary>
    public IReadOnlyList<IFeatureSpace> All { get; }

    /// <summary>The registered names, in registration order.</summary>
    public IEnumerable<string> Names => All.Select(s => s.Name);

    public bool TryGet(string name, out IFeatureSpace space) => _byName.TryGetValue(name, out space!);

    /// <summary>The space called <paramref name="name"/>; an unknown name throws, listing the allowed ones.</summary>
    public IFeatureSpace Get(string name) =>
        _byName.TryGetValue(name, out var space) ? space : throw new ArgumentOutOfRangeException(nameof(name), name, UnknownMessage("features", name));

    /// <summary>Whether any of the named (known) spaces reads the stimulus images.</summary>
    public bool NeedsImages(IEnumerable<string> names) => names.Any(n => _byName.TryGetValue(n, out var s) && s.NeedsImages);

    /// <summary>The refusal of an unknown name, naming the run parameter that held it and the allowed names.</summary>
    public string UnknownMessage(string parameter, string name) =>
        $"{parameter}: unknown feature space '{name}'. Allowed: {string.Join(", ", Names)}.";

    /// <summary>The refusals of the names in <paramref name="names"/> that the registry does not hold (a check that needs no data).</summary>
    public IEnumerable<string> CheckNames(string parameter, IEnumerable<string> names) =>
        names.Distinct(StringComparer.Ordinal).Where(n => !_byName.ContainsKey(n)).Select(n => UnknownMessage(parameter, n));

    /// <summary>
    /// Checks the spaces a run names in <paramref name="parameter"/>: unknown names, each space's own parameters and
    /// data, and that every stimulus has an image when a space needs images.
    /// </summary>
    public async Task<IReadOnlyList<string>> ValidateAsync(
        string parameter, IReadOnlyList<string> names, FeatureSpaceParameters parameters, FeatureValidationContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(context);
        var problems = new List<string>();
        foreach (var name in names.Distinct(StringComparer.Ordinal))
        {
            if (!_byName.TryGetValue(name, out var space))
            {
                problems.Add(UnknownMessage(parameter, name));
                continue;
            }
            problems.AddRange(await space.ValidateAsync(parameters, context, ct));
        }
        if (NeedsImages(names))
        {
            int missing = context.Stimuli.Count(s => s.ImageSha256 is null);
            if (missing > 0)
            {
                problems.Add($"{missing} of {context.Stimuli.Count} stimuli have no image, so image features cannot be computed for them; use uploaded features (features = file).");
            }
        }
        return problems;
    }
}

/// <summary>Cache keys of feature matrices: a SHA-256 over the space, its parameters and the stimulus set it saw.</summary>
public static class FeatureCacheKey
{
    /// <summary>
    /// The key of a space's matrix. <paramref name="settings"/> is the space's own canonical parameter text (including
    /// a version the space bumps when its algorithm changes); the stimulus set enters through what the space reads.
    /// </summary>
    public static string Of(string space, string settings, FeatureInput input, bool images, bool labels, bool fitRows)
    {
        ArgumentNullException.ThrowIfNull(input);
        var text = new StringBuilder().Append(space).Append('\n').Append(settings).Append('\n');
        if (images)
        {
            text.AppendJoin(',', input.ImageSha256.Select(s => s ?? "-")).Append('\n');
        }
        if (labels)
        {
            text.AppendJoin('\u001f', input.Labels.Select(l => l ?? "")).Append('\n');
        }
        if (fitRows)
        {
            text.AppendJoin(',', input.FitRows).Append('\n');
        }
        return space + ":" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}

/// <summary>Registers feature spaces: one line per space.</summary>
public static class FeatureSpaceServiceCollectionExtensions
{
    /// <summary>The built-in spaces, in the order choice lists show them.</summary>
    public static IServiceCollection AddFeatureSpaces(this IServiceCollection services) => services
        .AddFeatureSpace<GaborFeatureSpace>()
        .AddFeatureSpace<PcaFeatureSpace>()
        .AddFeatureSpace<PixelFeatureSpace>()
        .AddFeatureSpace<UploadedMatrixFeatureSpace>()
        .AddFeatureSpace<TorchScriptFeatureSpace>()
        .AddFeatureSpace<Onnx.OnnxFeatureSpace>()
        .AddFeatureSpace<LabelFeatureSpace>()
        .AddResNet18FeatureSpaces();

    /// <summary>Adds one feature space (and the registry, once).</summary>
    public static IServiceCollection AddFeatureSpace<TSpace>(this IServiceCollection services) where TSpace : class, IFeatureSpace
    {
        services.TryAddSingleton<FeatureSpaceRegistry>();
        services.AddSingleton<IFeatureSpace, TSpace>();
        return services;
    }
}
