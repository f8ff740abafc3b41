using System.Globalization;

namespace NeuroLab.Web.Components.Viewer;

/// <summary>How the viewer's panels print a voxel value.</summary>
internal static class ViewerFormat
{
    public static string Value(double v) => double.IsNaN(v) ? "NaN" : v.ToString("0.###", CultureInfo.InvariantCulture);
}
