namespace NeuroLab.Data.Storage;

/// <summary>
/// Where the bytes of <see cref="ContentStore"/> blobs live: a local folder or an S3 bucket. A backend only moves
/// bytes already named by their SHA-256; hashing, staging, pins and verification stay in <see cref="ContentStore"/>,
/// the one facade every caller uses.
/// </summary>
public interface IBlobBackend
{
    /// <summary>Where blobs live, for messages: a folder, or <c>s3://bucket/prefix</c>.</summary>
    string Location { get; }

    /// <summary>
    /// Stores the staged file <paramref name="verifiedFile"/>, whose SHA-256 is <paramref name="sha256"/>, under that
    /// address, unless a blob with it is already there. The backend may move the file away; the store deletes what is left.
    /// </summary>
    Task PutAsync(string sha256, string verifiedFile, CancellationToken ct);

    /// <summary>Opens a blob with its size; throws <see cref="FileNotFoundException"/> when there is none.</summary>
    (Stream Content, long SizeBytes) OpenRead(string sha256);

    bool Exists(string sha256);

    long SizeOf(string sha256);

    void Delete(string sha256);

    /// <summary>Every stored blob with its size.</summary>
    IEnumerable<StoredBlob> List();

    /// <summary>
    /// A local file holding the blob's content, for readers that need a path: the blob itself when it lives on local
    /// disk, otherwise a hash-verified copy in a scratch folder.
    /// </summary>
    string LocalFile(string sha256);

    /// <summary>Checks at start-up that the place is reachable (and creates it where configured to).</summary>
    Task EnsureReadyAsync(CancellationToken ct);
}
