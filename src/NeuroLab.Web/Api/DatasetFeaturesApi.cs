using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using NeuroLab.Compute.Features;
using NeuroLab.Compute.Features.Onnx;
using NeuroLab.Data.Storage;
using NeuroLab.Formats;
using NeuroLab.Data.Datasets;
using NeuroLab.Formats.Numpy;
using NeuroLab.Web.Security;

namespace NeuroLab.Web.Api;

/// <summary>/api/v1/datasets/{id}/features/{space}.npy: a dataset's stimuli in any feature space, for scripts; /files/{fileId}/onnx-graph: what an ONNX model offers the onnx space.</summary>
public static class DatasetFeaturesApi
{
    public static void MapDatasetFeaturesApi(this RouteGroupBuilder api)
    {
        api.MapGet("/datasets/{id:guid}/features/{space}.npy", DownloadAsync)
            .WithTags("Datasets")
            .WithSummary("The dataset's stimuli in a feature space as float32 .npy [stimuli, features], computed or from the cache. " +
                "Query parameters are the space's parameters (e.g. poolGrid=2, featurePcaComponents=50; PCA fits on the stimuli marked train, else all). " +
                "400 lists the allowed spaces for an unknown one; 422 for parameters or data the space refuses.");
        api.MapGet("/datasets/{id:guid}/files/{fileId:guid}/onnx-graph", GraphAsync)
            .WithTags("Datasets")
            .WithSummary("The graph of an ONNX model file: its inputs (name, element type, shape; null = symbolic) and every tensor that can be the " +
                "onnx feature space's onnxOutput (declared outputs first, then node outputs, with their operator). 422 for a file that is not an ONNX model.");
    }

    private static async Task<Results<Ok<OnnxGraphResponse>, ProblemHttpResult>> GraphAsync(
        Guid id, Guid fileId, ClaimsPrincipal user, DatasetService datasets, ContentStore store, CancellationToken ct)
    {
        // Another workspace's dataset or file is not found (404).
        var file = await datasets.GetFileAsync(user.RequireUserId(), id, fileId, ct);
        if (file.Format != "onnx")
        {
            return Problem(StatusCodes.Status422UnprocessableEntity, [$"{file.FileName} is not an ONNX model (format: {file.Format})."], "Not an ONNX model");
        }
        try
        {
            var (_, graph) = await OnnxImageModel.ReadAsync(store, file.Sha256, file.SizeBytes, file.FileName, ct);
            return TypedResults.Ok(new OnnxGraphResponse(
                [.. graph.Inputs.Select(i => new OnnxInputResponse(i.Name, i.ElementTypeName, i.Shape))],
                [.. graph.Tensors.Select(t => new OnnxTensorResponse(t.Name, t.OpType, graph.Outputs.Contains(t.Name)))]));
        }
        catch (FormatReadException e)
        {
            return Problem(StatusCodes.Status422UnprocessableEntity, [e.Message], "Not an ONNX model");
        }
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

    private static ProblemHttpResult Problem(int status, IReadOnlyList<string> problems, string title = "The features cannot be computed") => TypedResults.Problem(new Microsoft.AspNetCore.Mvc.ProblemDetails
    {
        Status = status,
        Title = title,
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

/// <summary>An ONNX model's graph as the onnx feature space sees it.</summary>
/// <param name="Inputs">The graph's inputs (initializers excluded).</param>
/// <param name="Outputs">Every tensor usable as onnxOutput: declared outputs first, then node outputs.</param>
public sealed record OnnxGraphResponse(IReadOnlyList<OnnxInputResponse> Inputs, IReadOnlyList<OnnxTensorResponse> Outputs);

/// <summary>A graph input: name, ONNX element type (FLOAT, UINT8, STRING, ...) and shape (null entries: symbolic; null: none declared).</summary>
public sealed record OnnxInputResponse(string Name, string ElementType, IReadOnlyList<long?>? Shape);

/// <summary>A tensor of the graph: its name, the operator of the node making it, and whether it is a declared graph output.</summary>
public sealed record OnnxTensorResponse(string Name, string OpType, bool IsGraphOutput);
