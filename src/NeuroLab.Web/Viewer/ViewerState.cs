using System.Globalization;
using NeuroLab.Web.Components.Viewer;

namespace NeuroLab.Web.Viewer;

/// <summary>One overlay's colouring in a shared viewer state: its catalogue key and numbers only.</summary>
public sealed record ViewerOverlayState(string Key, string Colormap, double Threshold, double Max, double Opacity);

/// <summary>
/// What another member needs to see the same view: the crosshair (world mm), the view, and the layers by catalogue
/// key (<see cref="ViewerItem.Key"/>) with their colouring. Item keys and numbers only, never data; a follower
/// resolves the keys in their own catalogue of the same workspace.
/// </summary>
public sealed record ViewerState(double[]? Mm, string View, string? Background, string? Atlas, IReadOnlyList<ViewerOverlayState> Overlays)
{
    /// <summary>Equal when a follower would see the same thing (the crosshair to 1 µm, the layers in order).</summary>
    public bool SameAs(ViewerState? other) =>
        other is not null && View == other.View && Background == other.Background && Atlas == other.Atlas
        && Overlays.SequenceEqual(other.Overlays)
        && (Mm is null ? other.Mm is null : other.Mm is not null && Mm.Zip(other.Mm).All(p => Math.Abs(p.First - p.Second) < 1e-3));
}

/// <summary>The viewer settings a shared link carries besides the layer keys, as parsed from its query.</summary>
public sealed record ViewerLinkSettings(double[]? Mm, string? View, double? Threshold, string? Colormap, IReadOnlyList<string> Notes);

/// <summary>
/// The viewer's shareable address: <c>w/{ws}/viewer?background=&amp;overlay=&amp;atlas=&amp;mm=x,y,z&amp;view=&amp;thr=&amp;cmap=</c>
/// (threshold and colormap of the first overlay). Parsing never throws: a value it cannot use is left out with a note.
/// </summary>
public static class ViewerLink
{
    /// <summary>The volume views a link may name (the surface view needs its own choices and is not linked).</summary>
    public static readonly IReadOnlyList<string> Views = ["multiplanar", "axial", "coronal", "sagittal", "mosaic", "render"];

    /// <summary>The address (relative to the app's base) that opens the viewer with <paramref name="state"/>.</summary>
    public static string Format(Guid workspaceId, ViewerState state)
    {
        var query = new List<string>();
        void Add(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                query.Add(name + "=" + Uri.EscapeDataString(value));
            }
        }
        Add("background", state.Background);
        var first = state.Overlays.FirstOrDefault();
        Add("overlay", first?.Key);
        Add("atlas", state.Atlas);
        if (state.Mm is { Length: 3 } mm && mm.All(double.IsFinite))
        {
            query.Add("mm=" + string.Join(",", mm.Select(ViewerFormat.Value)));
        }
        if (state.View != "multiplanar" && Views.Contains(state.View))
        {
            Add("view", state.View);
        }
        if (first is not null)
        {
            if (double.IsFinite(first.Threshold))
            {
                Add("thr", first.Threshold.ToString("R", CultureInfo.InvariantCulture));
            }
            Add("cmap", first.Colormap);
        }
        return $"w/{workspaceId}/viewer" + (query.Count > 0 ? "?" + string.Join("&", query) : "");
    }

    /// <summary>Reads a link's crosshair, view, threshold and colormap; anything unusable is null with a note saying why.</summary>
    public static ViewerLinkSettings Parse(string? mm, string? view, string? thr, string? cmap)
    {
        var notes = new List<string>();
        double[]? position = null;
        if (!string.IsNullOrWhiteSpace(mm))
        {
            var parts = mm.Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var values = parts.Select(p => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN).ToArray();
            if (values.Length == 3 && values.All(v => double.IsFinite(v) && Math.Abs(v) < 10_000))
            {
                position = values;
            }
            else
            {
                notes.Add($"The link's crosshair '{Clip(mm)}' is not three numbers in mm; the crosshair starts at the centre.");
            }
        }
        string? chosenView = null;
        if (!string.IsNullOrWhiteSpace(view))
        {
            chosenView = Views.FirstOrDefault(v => string.Equals(v, view, StringComparison.OrdinalIgnoreCase));
            if (chosenView is null)
            {
                notes.Add($"The link's view '{Clip(view)}' is unknown; showing {Views[0]}.");
            }
        }
        double? threshold = null;
        if (!string.IsNullOrWhiteSpace(thr))
        {
            if (double.TryParse(thr, NumberStyles.Float, CultureInfo.InvariantCulture, out var t) && double.IsFinite(t))
            {
                threshold = t;
            }
            else
            {
                notes.Add($"The link's threshold '{Clip(thr)}' is not a number; the overlay keeps its default.");
            }
        }
        string? colormap = null;
        if (!string.IsNullOrWhiteSpace(cmap))
        {
            colormap = ViewerOverlay.Colormaps.FirstOrDefault(c => string.Equals(c, cmap, StringComparison.OrdinalIgnoreCase));
            if (colormap is null)
            {
                notes.Add($"The link's colormap '{Clip(cmap)}' is unknown; the overlay keeps its default.");
            }
        }
        return new ViewerLinkSettings(position, chosenView, threshold, colormap, notes);
    }

    private static string Clip(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
