namespace NeuroLab.Web.Viewer;

/// <summary>
/// A volume as the viewer shows it: URL of the binary NIfTI, a file name whose extension tells NiiVue the format,
/// a colormap (NiiVue names: gray, warm, cool, hot, viridis, ...; <see cref="ColormapNegative"/> for values below
/// zero), display range (values below <see cref="CalMin"/> are transparent in overlays) and opacity.
/// </summary>
public sealed record ViewerVolume(string Url, string Name, string Colormap = "gray", string? ColormapNegative = null, double? CalMin = null, double? CalMax = null, double Opacity = 1);

/// <summary>A per-vertex overlay of a surface mesh (a GIFTI functional file).</summary>
public sealed record ViewerMeshLayer(string Url, string Name, string Colormap = "warm", string? ColormapNegative = null, double? CalMin = null, double? CalMax = null, double Opacity = 1);

/// <summary>A surface mesh (GIFTI) with its overlays.</summary>
public sealed record ViewerMesh(string Url, string Name, IReadOnlyList<ViewerMeshLayer> Layers)
{
    public bool Equals(ViewerMesh? other) => other is not null && Url == other.Url && Name == other.Name && Layers.SequenceEqual(other.Layers);

    public override int GetHashCode() => HashCode.Combine(Url, Name, Layers.Count);
}

/// <summary>When the viewer finished drawing: ms since the page's navigation started, since the viewer was created, spent fetching and decoding the volumes, and drawing.</summary>
public sealed record ViewerTiming(double SincePageStart, double SinceCreate, double LoadMs = 0, double DrawMs = 0);
