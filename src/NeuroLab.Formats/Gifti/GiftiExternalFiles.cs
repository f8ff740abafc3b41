namespace NeuroLab.Formats.Gifti;

/// <summary>
/// The data files a GIFTI document may read its ExternalFileBinary arrays from: an explicit list of the caller's
/// own files, by the names the user gave them (the files of one upload request, or the files chosen for one
/// dataset import), each mapped to where its bytes are. The reader never looks anywhere else — not beside the
/// .gii, not in a folder, not at a path the document names — so a crafted document cannot read a file that was
/// not handed to it.
/// </summary>
/// <remarks>
/// <para>Which name a DataArray's <c>ExternalFileName</c> finds: the name is first checked by
/// <see cref="ValidateName"/> (no absolute paths, drive letters, URIs or ".." segments; refused with a message).
/// Then, among the given files, the name relative to the .gii's own folder in the upload ("sub/lh.gii" naming
/// "lh.dat" finds "sub/lh.dat"), then the name as written, then — since browsers upload single files without their
/// folders — the one file whose base name matches, when exactly one does.</para>
/// </remarks>
public sealed class GiftiExternalFiles
{
    private readonly Dictionary<string, string> _files;

    private GiftiExternalFiles(Dictionary<string, string> files) => _files = files;

    /// <summary>No data files: a document with ExternalFileBinary arrays is refused with a message saying so.</summary>
    public static GiftiExternalFiles None { get; } = new([]);

    /// <summary>
    /// The caller's own files: user file name (as uploaded, '/'-separated relative path) to the local path of its
    /// bytes. Later duplicates of a name are ignored.
    /// </summary>
    public static GiftiExternalFiles FromFiles(IEnumerable<KeyValuePair<string, string>> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, path) in files)
        {
            map.TryAdd(name.Replace('\\', '/'), path);
        }
        return new(map);
    }

    /// <summary>The user file names on offer.</summary>
    public IReadOnlyCollection<string> Names => _files.Keys;

    /// <summary>
    /// Checks an <c>ExternalFileName</c> attribute and returns it as a '/'-separated relative name, or the reason it
    /// cannot name one of the user's files. The reason never repeats the attribute: what a document names is not
    /// echoed back, so an error cannot be used to probe names.
    /// </summary>
    public static string? ValidateName(string externalFileName, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(externalFileName);
        var name = externalFileName.Trim();
        problem = null;
        if (name.Length == 0)
        {
            problem = "has an empty ExternalFileName, so its data file is unknown";
            return null;
        }
        if (name.Any(char.IsControl))
        {
            problem = "has an ExternalFileName with control characters, which cannot name a data file";
            return null;
        }
        var slashed = name.Replace('\\', '/');
        bool drive = slashed.Length >= 2 && char.IsAsciiLetter(slashed[0]) && slashed[1] == ':';
        if (slashed.StartsWith('/') || drive || slashed.Contains("://", StringComparison.Ordinal) || slashed.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            problem = "names its data file by an absolute path or address (ExternalFileName); only a data file uploaded together with the .gii, named relative to it (e.g. \"lh.thickness.dat\"), can be read: set ExternalFileName to the data file's own name";
            return null;
        }
        var parts = slashed.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToArray();
        if (parts.Contains(".."))
        {
            problem = "names its data file by a path that leaves the .gii's folder (\"..\" in ExternalFileName); only a data file uploaded together with the .gii, named relative to it, can be read";
            return null;
        }
        if (parts.Length == 0)
        {
            problem = "has an ExternalFileName that names a folder, not a data file";
            return null;
        }
        return string.Join('/', parts);
    }

    /// <summary>
    /// The user file name that <paramref name="relativeName"/> (from <see cref="ValidateName"/>) finds for the
    /// document <paramref name="documentName"/>, or null when none of the given files matches.
    /// </summary>
    public string? Find(string documentName, string relativeName)
    {
        ArgumentNullException.ThrowIfNull(documentName);
        ArgumentNullException.ThrowIfNull(relativeName);
        var document = documentName.Replace('\\', '/');
        int slash = document.LastIndexOf('/');
        if (slash > 0 && _files.ContainsKey(document[..(slash + 1)] + relativeName))
        {
            return document[..(slash + 1)] + relativeName;
        }
        if (_files.ContainsKey(relativeName))
        {
            return relativeName;
        }
        var baseName = relativeName[(relativeName.LastIndexOf('/') + 1)..];
        var sameBase = _files.Keys.Where(k => k[(k.LastIndexOf('/') + 1)..] == baseName).Take(2).ToList();
        return sameBase.Count == 1 ? sameBase[0] : null;
    }

    /// <summary>Opens a file returned by <see cref="Find"/>.</summary>
    public Stream Open(string name) =>
        new FileStream(_files[name], FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
}
