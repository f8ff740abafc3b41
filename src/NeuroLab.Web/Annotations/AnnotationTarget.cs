using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NeuroLab.Web.Annotations;

/// <summary>
/// What a comment is pinned to, parsed from the client's JSON <c>{"kind": ..., ...}</c> and normalised: the kinds,
/// their fields and their keys are the API contract (docs/api/annotations.md).
/// <list type="bullet">
/// <item><c>{kind:"run", runId}</c> — key <c>run:{runId:N}</c></item>
/// <item><c>{kind:"unit", runId, unit}</c> — a voxel/neuron of a run's response set; the server adds <c>space</c> and world <c>mm</c> for voxels</item>
/// <item><c>{kind:"caption", runId, unit}</c> — a unit's caption in a voxel-captions run</item>
/// <item><c>{kind:"point", space:"mni152", x, y, z, radiusMm}</c> — a point (radius 0) or sphere in template space, tied to no run (0.1 mm grid)</item>
/// <item><c>{kind:"region", atlasFileId, value}</c> — an atlas region (the server adds its <c>name</c>)</item>
/// <item><c>{kind:"stimulus", datasetId, index}</c>, <c>{kind:"reconstruction", runId, index}</c>, <c>{kind:"rdmCell", runId, row, col}</c></item>
/// </list>
/// </summary>
public sealed record AnnotationTarget(string Kind, Guid? RunId, Guid? DatasetId, Guid? AtlasFileId, int? Unit, int? Index, int? Row, int? Col,
    string? Space, double? X, double? Y, double? Z, double? RadiusMm)
{
    public static readonly IReadOnlyList<string> Kinds = ["run", "unit", "caption", "point", "region", "stimulus", "reconstruction", "rdmCell"];

    /// <summary>Template spaces a point may be pinned in.</summary>
    public static readonly IReadOnlyList<string> Spaces = ["mni152"];

    /// <summary>The largest sphere radius accepted (mm).</summary>
    public const double MaxRadiusMm = 100;

    /// <summary>The one string that identifies the target (what comments on the same thing share).</summary>
    public string Key => Kind switch
    {
        "run" => RunKey(RunId!.Value),
        "unit" => $"unit:{RunId:N}:{Unit}",
        "caption" => CaptionKey(RunId!.Value, Unit!.Value),
        "point" => string.Create(CultureInfo.InvariantCulture, $"point:{Space}:{X:0.0}:{Y:0.0}:{Z:0.0}:{RadiusMm:0.0}"),
        "region" => RegionKey(AtlasFileId!.Value, Index!.Value),
        "stimulus" => $"stimulus:{DatasetId:N}:{Index}",
        "reconstruction" => $"reconstruction:{RunId:N}:{Index}",
        "rdmCell" => $"rdmCell:{RunId:N}:{Row}:{Col}",
        // Parse admits only the kinds above.
        _ => Kind,
    };

    /// <summary>The key of a run's own discussion.</summary>
    public static string RunKey(Guid runId) => $"run:{runId:N}";

    /// <summary>The key of the discussion of a unit's caption in a voxel-captions run (caption reviews use it too).</summary>
    public static string CaptionKey(Guid captionRunId, int unit) => $"caption:{captionRunId:N}:{unit}";

    /// <summary>The key of an atlas region's discussion.</summary>
    public static string RegionKey(Guid atlasFileId, int value) => $"region:{atlasFileId:N}:{value}";

    /// <summary>The normalised JSON (camelCase, only the kind's fields) plus what the server adds (<paramref name="extra"/>).</summary>
    public JsonObject ToJson(IReadOnlyDictionary<string, JsonNode?>? extra = null)
    {
        var json = new JsonObject { ["kind"] = Kind };
        switch (Kind)
        {
            case "run":
                json["runId"] = RunId;
                break;
            case "unit" or "caption":
                json["runId"] = RunId;
                json["unit"] = Unit;
                break;
            case "point":
                json["space"] = Space;
                json["x"] = X;
                json["y"] = Y;
                json["z"] = Z;
                json["radiusMm"] = RadiusMm;
                break;
            case "region":
                json["atlasFileId"] = AtlasFileId;
                json["value"] = Index;
                break;
            case "stimulus":
                json["datasetId"] = DatasetId;
                json["index"] = Index;
                break;
            case "reconstruction":
                json["runId"] = RunId;
                json["index"] = Index;
                break;
            case "rdmCell":
                json["runId"] = RunId;
                json["row"] = Row;
                json["col"] = Col;
                break;
        }
        foreach (var (name, value) in extra ?? new Dictionary<string, JsonNode?>())
        {
            json[name] = value?.DeepClone();
        }
        return json;
    }

    /// <summary>Parses and checks the shape of a target (references are checked by the service).</summary>
    /// <exception cref="ArgumentException">A message naming what is wrong and what is allowed.</exception>
    public static AnnotationTarget Parse(JsonElement target)
    {
        if (target.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException("target must be an object with a kind, e.g. {\"kind\": \"run\", \"runId\": \"...\"}.");
        }
        var kind = String(target, "kind") ?? throw new ArgumentException($"target.kind is required; one of {string.Join(", ", Kinds)}.");
        var known = Kinds.FirstOrDefault(k => string.Equals(k, kind, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"Unknown target kind '{kind}'; one of {string.Join(", ", Kinds)}.");
        return known switch
        {
            "run" => new(known, Id(target, "runId"), null, null, null, null, null, null, null, null, null, null, null),
            "unit" or "caption" => new(known, Id(target, "runId"), null, null, Count(target, "unit"), null, null, null, null, null, null, null, null),
            "point" => Point(target),
            "region" => new(known, null, null, Id(target, "atlasFileId"), null, Count(target, "value"), null, null, null, null, null, null, null),
            "stimulus" => new(known, null, Id(target, "datasetId"), null, null, Count(target, "index"), null, null, null, null, null, null, null),
            "reconstruction" => new(known, Id(target, "runId"), null, null, null, Count(target, "index"), null, null, null, null, null, null, null),
            _ => new(known, Id(target, "runId"), null, null, null, null, Count(target, "row"), Count(target, "col"), null, null, null, null, null),
        };
    }

    private static AnnotationTarget Point(JsonElement target)
    {
        var space = String(target, "space") ?? "mni152";
        var known = Spaces.FirstOrDefault(s => string.Equals(s, space, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"Unknown space '{space}' for a point; one of {string.Join(", ", Spaces)} (a point in one subject's space is a unit target of a run).");
        double Coordinate(string name)
        {
            var v = Number(target, name) ?? throw new ArgumentException($"A point needs {name} (mm).");
            // + 0.0 turns -0.0 (e.g. -0.04 rounded) into 0.0, so one place has one key.
            return Math.Abs(v) <= 500 ? Math.Round(v, 1) + 0.0 : throw new ArgumentException($"{name} = {v} mm is outside any brain template (|{name}| <= 500).");
        }
        var radius = Number(target, "radiusMm") ?? 0;
        if (radius is < 0 or > MaxRadiusMm)
        {
            throw new ArgumentException($"radiusMm must be between 0 (a point) and {MaxRadiusMm} mm; got {radius}.");
        }
        return new("point", null, null, null, null, null, null, null, known, Coordinate("x"), Coordinate("y"), Coordinate("z"), Math.Round(radius, 1));
    }

    private static string? String(JsonElement target, string name) =>
        Find(target, name) is { ValueKind: JsonValueKind.String } v ? v.GetString() : null;

    private static Guid Id(JsonElement target, string name) =>
        Find(target, name) is { ValueKind: JsonValueKind.String } v && Guid.TryParse(v.GetString(), out var id)
            ? id
            : throw new ArgumentException($"target.{name} is required (an id).");

    private static int Count(JsonElement target, string name) =>
        Find(target, name) is { ValueKind: JsonValueKind.Number } v && v.TryGetInt32(out var n) && n >= 0
            ? n
            : throw new ArgumentException($"target.{name} is required (a whole number >= 0).");

    private static double? Number(JsonElement target, string name) =>
        Find(target, name) switch
        {
            { ValueKind: JsonValueKind.Number } v when v.TryGetDouble(out var d) && double.IsFinite(d) => d,
            null => null,
            _ => throw new ArgumentException($"target.{name} must be a finite number."),
        };

    private static JsonElement? Find(JsonElement target, string name)
    {
        foreach (var p in target.EnumerateObject())
        {
            if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase) && p.Value.ValueKind is not JsonValueKind.Null)
            {
                return p.Value;
            }
        }
        return null;
    }
}
