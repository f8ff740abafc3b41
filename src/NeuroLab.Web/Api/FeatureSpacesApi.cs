using NeuroLab.Compute.Features;

namespace NeuroLab.Web.Api;

/// <summary>/api/v1/feature-spaces: the feature spaces runs can name (not workspace data; any signed-in user may list them).</summary>
public static class FeatureSpacesApi
{
    public static void MapFeatureSpacesApi(this RouteGroupBuilder api)
    {
        api.MapGet("/feature-spaces", (FeatureSpaceRegistry registry) => registry.All.Select(ToApi).ToList())
            .WithTags("Feature spaces")
            .WithSummary("Feature spaces runs can name in features or bands: name, description, parameters, whether they need stimulus images.");
    }

    private static FeatureSpaceResponse ToApi(IFeatureSpace s) => new(s.Name, s.Label, s.Description, s.Parameters, s.NeedsImages);
}

/// <summary>A feature space as the API lists it.</summary>
/// <param name="Name">The name runs use in <c>features</c> or <c>bands</c>.</param>
/// <param name="Label">A short label for choice lists.</param>
/// <param name="Description">What the space computes.</param>
/// <param name="Parameters">The run parameters the space reads, with types, defaults and allowed ranges.</param>
/// <param name="NeedsImages">Whether every stimulus needs an image.</param>
public sealed record FeatureSpaceResponse(string Name, string Label, string Description, IReadOnlyList<FeatureParameter> Parameters, bool NeedsImages);
