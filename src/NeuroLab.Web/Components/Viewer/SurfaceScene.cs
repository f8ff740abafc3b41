using NeuroLab.Data.Datasets;
using NeuroLab.Web.Viewer;

namespace NeuroLab.Web.Components.Viewer;

/// <summary>The meshes the surface view draws, and why an overlay could not be projected (else null).</summary>
public sealed record SurfaceScene(IReadOnlyList<ViewerMesh> Meshes, string? Note)
{
    /// <summary>The surface layer that colours the cortex by the first overlay, projected.</summary>
    public const string OverlayLayer = "overlay";

    /// <summary>
    /// Both hemispheres of the chosen surface, coloured by the first overlay projected onto the cortex (only for MNI152
    /// maps: fsaverage is an MNI-aligned template) or by per-vertex data of the surface set (curvature, sulcal depth...).
    /// </summary>
    public static SurfaceScene Build(Guid workspaceId, SurfaceSet surfaces, string meshKind, string layer, ViewerOverlay? overlay)
    {
        string? note = null;
        var meshes = new List<ViewerMesh>();
        foreach (var hemisphere in new[] { "left", "right" })
        {
            if (surfaces.Mesh(meshKind, hemisphere) is not { } mesh)
            {
                continue;
            }
            var layers = new List<ViewerMeshLayer>();
            if (layer == OverlayLayer && overlay is not null)
            {
                if (overlay.Item.Space != DatasetSpace.Mni152)
                {
                    note = $"{overlay.Item.ShortLabel} is in {overlay.Item.Space} space; only MNI152 maps can be projected onto {surfaces.DatasetName}.";
                }
                else if (!surfaces.CanSample)
                {
                    note = "This surface set has no white and pial meshes of both hemispheres to sample between.";
                }
                else
                {
                    layers.Add(overlay.ToMeshLayer(
                        $"api/v1/workspaces/{workspaceId}/viewer/surface-overlay.gii?volume={Uri.EscapeDataString(overlay.Item.Key)}&surfaces={surfaces.DatasetId}&hemi={hemisphere}",
                        $"{hemisphere}.gii"));
                }
            }
            else if (layer.Length > 0 && surfaces.Files.FirstOrDefault(f => !f.IsMesh && f.Kind == layer && f.Hemisphere == hemisphere) is { } data)
            {
                layers.Add(new ViewerMeshLayer(data.Url, data.FileName, "gray", Opacity: 0.7));
            }
            meshes.Add(new ViewerMesh(mesh.Url, mesh.FileName, layers));
        }
        return new SurfaceScene(meshes, note);
    }
}
