using System.Globalization;
using System.Text.Json.Nodes;

namespace NeuroLab.Web.Annotations;

/// <summary>Where in the app a comment's target is shown (inbox entries and activity link there).</summary>
public static class AnnotationLinks
{
    public static string Href(Guid workspaceId, string kind, JsonObject target)
    {
        string? Text(string name) => target[name]?.GetValue<string>();
        string Number(string name) => target[name] is JsonValue v ? Convert.ToString(v.GetValue<double>(), CultureInfo.InvariantCulture) : "0";
        var w = $"w/{workspaceId}";
        return kind switch
        {
            "run" or "rdmCell" => $"{w}/runs/{Text("runId")}",
            "unit" => $"{w}/runs/{Text("runId")}/units/{Number("unit")}",
            "caption" => $"{w}/runs/{Text("runId")}/captions/{Number("unit")}",
            "reconstruction" => $"{w}/runs/{Text("runId")}#reconstruction-{Number("index")}",
            "stimulus" => $"{w}/datasets/{Text("datasetId")}",
            "point" => $"{w}/viewer?mm={Number("x")},{Number("y")},{Number("z")}",
            _ => $"{w}/viewer",
        };
    }

    /// <summary>A short human name of a target: "voxel 3 of run 1a2b3c4d", "MNI (-42, -58, -14) r 6 mm".</summary>
    public static string Describe(string kind, JsonObject target)
    {
        string Id(string name) => (target[name]?.GetValue<string>() ?? "").Split('-')[0];
        string Number(string name) => target[name] is JsonValue v ? Convert.ToString(v.GetValue<double>(), CultureInfo.InvariantCulture) : "?";
        return kind switch
        {
            "run" => $"run {Id("runId")}",
            "unit" => $"unit {Number("unit")} of run {Id("runId")}",
            "caption" => $"caption of unit {Number("unit")} (run {Id("runId")})",
            "point" => $"MNI ({Number("x")}, {Number("y")}, {Number("z")})" + (target["radiusMm"] is JsonValue r && r.GetValue<double>() > 0 ? $" r {Number("radiusMm")} mm" : ""),
            "region" => $"region {target["name"]?.GetValue<string>() ?? Number("value")}",
            "stimulus" => $"stimulus {target["name"]?.GetValue<string>() ?? Number("index")}",
            "reconstruction" => $"reconstruction {Number("index")} of run {Id("runId")}",
            "rdmCell" => $"RDM cell ({Number("row")}, {Number("col")}) of run {Id("runId")}",
            _ => kind,
        };
    }
}
