namespace NeuroLab.Data.Storage;

/// <summary>
/// Local copies of remote blobs for readers that need a file path (NIfTI, NPY, TorchScript, images): a copy is
/// written to a temporary name while its SHA-256 is checked, renamed into place only when it matches, and the folder is
/// trimmed, least recently used first, to <c>maxBytes</c> after each new copy. A copy is never trimmed in the call that
/// fetched it; a path handed out earlier may be trimmed later, so callers open the file right away (as every reader
/// does) rather than keep the path. Files opened before a trim stay readable until closed (POSIX unlink semantics).
/// </summary>
public sealed class ScratchCache
{
    private readonly string _files;
    private readonly string _staging;
    private readonly long _maxBytes;
    private readonly Lock _trim = new();

    public ScratchCache(string directory, long maxBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        Directory = Path.GetFullPath(directory);
        _files = Path.Combine(Directory, "files");
        _staging = Path.Combine(Directory, "tmp");
        _maxBytes = maxBytes;
        System.IO.Directory.CreateDirectory(_files);
        System.IO.Directory.CreateDirectory(_staging);
    }

    public string Directory { get; }

    /// <summary>
    /// The local copy of <paramref name="sha256"/>, fetched through <paramref name="open"/> (a stream that verifies the
    /// hash at its end, see <see cref="ContentStore"/>) when there is none yet.
    /// </summary>
    public string GetOrFetch(string sha256, Func<Stream> open)
    {
        var path = Path.Combine(_files, sha256);
        if (File.Exists(path))
        {
            try
            {
                File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
                return path;
            }
            catch (FileNotFoundException)
            {
                // Trimmed between the check and the touch: fetch it again.
            }
        }
        var temp = Path.Combine(_staging, Guid.NewGuid().ToString("N") + ".part");
        try
        {
            using (var source = open())
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                source.CopyTo(file);
            }
            try
            {
                File.Move(temp, path);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another reader fetched the same blob first; its copy has the same verified content.
            }
        }
        finally
        {
            File.Delete(temp);
        }
        Trim(keep: path);
        return path;
    }

    private void Trim(string keep)
    {
        lock (_trim)
        {
            var files = new DirectoryInfo(_files).GetFiles().OrderBy(f => f.LastWriteTimeUtc).ToList();
            long total = files.Sum(f => f.Length);
            foreach (var file in files)
            {
                if (total <= _maxBytes)
                {
                    break;
                }
                if (file.FullName == keep)
                {
                    continue;
                }
                total -= file.Length;
                file.Delete();
            }
        }
    }
}
