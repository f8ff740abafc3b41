using Microsoft.Extensions.Configuration;

namespace NeuroLab.Data;

/// <summary>
/// The folder for the SQLite database, the local content store and caches (<c>NeuroLab:DataDirectory</c>), the same for
/// the web app and the compute workers. Relative paths are resolved against the working directory.
/// </summary>
public static class DataDirectory
{
    public const string Key = "NeuroLab:DataDirectory";

    public const string Default = "./neurolab-data";

    /// <summary>The configured folder as a full path (<see cref="Default"/> when unset).</summary>
    public static string From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return Path.GetFullPath(configuration[Key] is { Length: > 0 } folder ? folder : Default);
    }
}
