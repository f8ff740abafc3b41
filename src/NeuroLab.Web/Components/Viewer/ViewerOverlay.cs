using System.Globalization;
using NeuroLab.Web.Viewer;

namespace NeuroLab.Web.Components.Viewer;

/// <summary>An overlay as the viewer page shows it: the volume and how it is coloured.</summary>
public sealed record ViewerOverlay(ViewerItem Item)
{
    /// <summary>The colormaps offered for overlays (NiiVue names).</summary>
    public static readonly IReadOnlyList<string> Colormaps = ["warm", "hot", "cool", "viridis", "plasma", "inferno", "red", "green", "blue", "gray"];

    public string Colormap { get; init; } = "warm";

    public string NegativeColormap { get; init; } = "winter";

    public bool Signed { get; init; }

    public double Threshold { get; init; }

    public double Max { get; init; } = 1;

    public double Opacity { get; init; } = 1;

    /// <summary>The display range's top; kept above the threshold so NiiVue always has a non-empty range.</summary>
    private double CalMax => Math.Max(Max, Threshold + 1e-6);

    /// <summary>Display defaults from the data: signed maps get warm/winter around a threshold, others warm from their low end.</summary>
    public static ViewerOverlay FromStats(ViewerItem item, VolumeStats stats)
    {
        double top = stats.P99Abs > 0 ? stats.P99Abs : Math.Max(Math.Abs(stats.Min), Math.Abs(stats.Max));
        var overlay = new ViewerOverlay(item) { Max = Round(top > 0 ? top : 1), Signed = stats.Min < 0 };
        if (item.Kind == ViewerItemKind.Atlas || item.Values == NeuroLab.Compute.RunKinds.MapValues.Categorical)
        {
            return overlay with { Colormap = "viridis", Threshold = 0.5, Max = Round(stats.Max), Opacity = 0.5 };
        }
        if (item.Values == NeuroLab.Compute.RunKinds.MapValues.NonNegative)
        {
            return overlay with { Colormap = "viridis", Threshold = Round(Math.Max(stats.Min, 0)) };
        }
        return overlay with { Threshold = Round(overlay.Max / 4) };
    }

    public ViewerVolume ToVolume() =>
        new(Item.Url, Item.FileName, Colormap, Signed ? NegativeColormap : null, Threshold, CalMax, Opacity);

    /// <summary>This overlay's colouring for its projection onto a surface mesh, fetched from <paramref name="url"/>.</summary>
    public ViewerMeshLayer ToMeshLayer(string url, string name) =>
        new(url, name, Colormap, Signed ? NegativeColormap : null, Threshold, CalMax, Opacity);

    private static double Round(double v) => double.IsFinite(v) ? double.Parse(v.ToString("G2", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : 0;
}
