using NeuroLab.Web.Viewer;

namespace NeuroLab.Web.Components.Viewer;

/// <summary>A shown volume's value under the crosshair, with the name of that value where the volume names its values (atlas regions, categories).</summary>
public sealed record ReadoutRow(string Label, VoxelSample Sample, string? Name);
