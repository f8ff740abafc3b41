namespace NeuroLab.Data.Storage;

/// <summary>
/// Blobs as files <c>root/ab/cd/&lt;sha256&gt;.blob</c> (the store's layout since its first release, so existing data stays
/// readable). Staged files sit in <c>root/tmp</c>, on the same file system, so storing one is an atomic rename.
/// </summary>
public sealed class LocalFolderBackend : IBlobBackend
{
    public LocalFolderBackend(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string Location => Root;

    public Task PutAsync(string sha256, string verifiedFile, CancellationToken ct)
    {
        var target = PathFor(sha256);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        try
        {
            if (!File.Exists(target))
            {
                File.Move(verifiedFile, target);
            }
        }
        catch (IOException) when (File.Exists(target))
        {
            // The same content was stored concurrently: identical bytes under the same name.
        }
        return Task.CompletedTask;
    }

    public (Stream Content, long SizeBytes) OpenRead(string sha256)
    {
        var path = PathFor(sha256);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Stored file {sha256[..Math.Min(12, sha256.Length)]}… is missing from the store at {Root}.", path);
        }
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return (file, file.Length);
    }

    public bool Exists(string sha256) => File.Exists(PathFor(sha256));

    public long SizeOf(string sha256) => new FileInfo(PathFor(sha256)).Length;

    public void Delete(string sha256) => File.Delete(PathFor(sha256));

    public IEnumerable<StoredBlob> List() =>
        Directory.EnumerateFiles(Root, "*.blob", SearchOption.AllDirectories)
            .Select(f => new StoredBlob(Path.GetFileNameWithoutExtension(f), new FileInfo(f).Length));

    /// <remarks>The store's own file, as before: readers that must trust the content read through the store's verified stream.</remarks>
    public string LocalFile(string sha256) => PathFor(sha256);

    public Task EnsureReadyAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(Root);
        return Task.CompletedTask;
    }

    private string PathFor(string sha256) => Path.Combine(Root, sha256[..2], sha256[2..4], sha256 + ".blob");
}
