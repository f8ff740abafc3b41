using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using NeuroLab.Compute.Features;
using NeuroLab.Data.Datasets;
using NeuroLab.Formats.Numpy;
using NeuroLab.Web.Security;

namespace NeuroLab.Web.Api;

/// <summary>/api/v1/datasets/{id}/features/{space}.npy: a dataset's stimuli in any feature space, for scripts.</summary>
public static class DatasetFeaturesApi
{
    public static void MapDatasetFeaturesApi(this RouteGroupBuilder api)
    {
        api.MapGet("/datasets/{id:guid}/features/{space}.npy", DownloadAsync)
            .WithTags("Datasets")
            .WithSummary("The dataset's stimuli in a feature space as float32 .npy [stimuli, features], computed or from the cache. " +
                "Query parameters are the space's parameters (e.g. poolGrid=2, featurePcaComponents=50; PCA fits on the stimuli marked train, else all). " +
                "400 lists the allowed spaces for an unknown one; 422 for parameters or data the space refuses.");
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> DownloadAsync(
        Guid id, string space, HttpContext http, ClaimsPrincipal user, DatasetService datasets, DatasetFeatures features, CancellationToken ct)
    {
        // Another workspace's dataset is not found (404) before anything about the space is said.
        await datasets.GetAsync(user.RequireUserId(), id, ct);
        FeatureSpaceParameters parameters;
        try
        {
            parameters = FeatureSpaceParameters.Parse(QueryAsJson(http.Request.Query));
        }
        catch (JsonException e)
        {
            return Problem(StatusCodes.Status400BadRequest, [$"Unreadable feature-space parameter: {e.Message}"]);
        }
        var outcome = await features.ComputeAsync(id, space, parameters, ct);
        if (outcome.Matrix is null)
        {
            return Problem(outcome.Unknown ? StatusCodes.Status400BadRequest : StatusCodes.Status422UnprocessableEntity, outcome.Problems);
        }
        using var npy = new MemoryStream();
        NpyWriter.Write(npy, outcome.Matrix);
        return TypedResults.File(npy.ToArray(), "application/octet-stream", $"features-{space.Replace(':', '-')}.npy");
    }

    private static ProblemHttpResult Problem(int status, IReadOnlyList<string> problems) => TypedResults.Problem(new Microsoft.AspNetCore.Mvc.ProblemDetails
    {
        Status = status,
        Title = "The features cannot be computed",
        Detail = string.Join(" ", problems),
        Extensions = { ["errors"] = problems },
    });

    /// <summary>The query string as the JSON object the run parameters would be: numbers as numbers, comma lists of numbers as arrays.</summary>
    private static JsonElement QueryAsJson(IQueryCollection query)
    {
        var json = new JsonObject();
        foreach (var (key, values) in query)
        {
            string text = values.ToString();
            var parts = text.Split(',');
            json[key] = parts.Length > 1 && parts.All(p => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                ? new JsonArray([.. parts.Select(p => (JsonNode)JsonValue.Create(double.Parse(p, CultureInfo.InvariantCulture)))])
                : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? JsonValue.Create(number) : JsonValue.Create(text);
        }
        return JsonSerializer.SerializeToElement(json);
    }
}
