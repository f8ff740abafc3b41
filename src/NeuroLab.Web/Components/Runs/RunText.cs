using System.Globalization;
using System.Text.Json;

namespace NeuroLab.Web.Components.Runs;

/// <summary>Short texts for run lists: progress from the stored JSON (the headline result comes from the run's kind, <see cref="NeuroLab.Compute.RunKinds.RunKindRegistry.Headline"/>).</summary>
public static class RunText
{
    public static string Progress(string? progressJson)
    {
        if (progressJson is null)
        {
            return "";
        }
        using var doc = JsonDocument.Parse(progressJson);
        var root = doc.RootElement;
        var stage = root.TryGetProperty("stage", out var s) ? s.GetString() : null;
        long step = root.TryGetProperty("step", out var st) && st.ValueKind == JsonValueKind.Number ? st.GetInt64() : 0;
        long total = root.TryGetProperty("total", out var t) && t.ValueKind == JsonValueKind.Number ? t.GetInt64() : 0;
        return total > 0 ? $"{stage} {step}/{total}" : stage ?? "";
    }
}
