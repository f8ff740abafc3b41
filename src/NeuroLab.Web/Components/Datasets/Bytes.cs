using System.Globalization;

namespace NeuroLab.Web.Components.Datasets;

/// <summary>Human-readable byte counts ("3.4 MB").</summary>
public static class Bytes
{
    public static string Format(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => (bytes / 1024.0).ToString("0.#", CultureInfo.InvariantCulture) + " KB",
        < 1024L * 1024 * 1024 => (bytes / 1048576.0).ToString("0.#", CultureInfo.InvariantCulture) + " MB",
        _ => (bytes / 1073741824.0).ToString("0.##", CultureInfo.InvariantCulture) + " GB",
    };
}
