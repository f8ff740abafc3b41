using System.Security.Cryptography;

namespace NeuroLab.Data.Storage;

/// <summary>A stored file: its SHA-256 (lower-case hex, also its address) and size.</summary>
public sealed record StoredBlob(string Sha256, long SizeBytes);

/// <summary>The content on disk does not match its address: the file was changed or damaged after it was stored.</summary>
public sealed class BlobCorruptedException(string sha256, string actual)
    : Exception($"Stored file {sha256[..12]}… is damaged: its content hashes to {actual[..12]}…. Re-import the data it belongs to.")
{
    public string Sha256 { get; } = sha256;
}

/// <summary>
/// Content-addressed file store for large data (arrays as .npy, original uploads): a blob is named by its SHA-256 and
/// lives where its <see cref="IBlobBackend"/> keeps it (<c>root/ab/cd/abcdef….blob</c> in a local folder, or the same
/// key in an S3 bucket). Writes hash while staging to a local temporary file and only then hand it to the backend
/// (an atomic rename locally, one upload to S3), so a crash never leaves a half-written blob under a valid name;
/// identical content is stored once. Reads verify the hash while streaming and fail on mismatch. Metadata about what
/// a blob is lives in the database; <see cref="DeleteUnreferenced"/> removes blobs nothing points to.
/// </summary>
public sealed class ContentStore
{
    private readonly IBlobBackend _backend;
    private readonly string _staging;

    /// <summary>A store in a local folder (<see cref="LocalFolderBackend"/>), staging in <c>root/tmp</c> and caches beside the blobs.</summary>
    public ContentStore(string root)
        : this(new LocalFolderBackend(root), Path.Combine(Path.GetFullPath(root), "tmp"), Path.GetFullPath(root))
    {
    }

    /// <param name="backend">Where blobs live.</param>
    /// <param name="stagingDirectory">Local folder for files being hashed before they are stored (on the backend's file system when local, so storing is a rename).</param>
    /// <param name="cacheDirectory">Local folder for derived caches that are not artifacts (<see cref="CacheDirectory"/>).</param>
    public ContentStore(IBlobBackend backend, string stagingDirectory, string cacheDirectory)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentException.ThrowIfNullOrEmpty(stagingDirectory);
        ArgumentException.ThrowIfNullOrEmpty(cacheDirectory);
        _backend = backend;
        _staging = Path.GetFullPath(stagingDirectory);
        CacheDirectory = Path.GetFullPath(cacheDirectory);
        Directory.CreateDirectory(_staging);
    }

    /// <summary>Where blobs live, for messages: the store's folder, or <c>s3://bucket/prefix</c>.</summary>
    public string Root => _backend.Location;

    /// <summary>
    /// A local folder for caches derived from blobs (e.g. the feature cache's index files): not artifacts, so losing it
    /// only costs recomputation. The store's own folder for a local store, so existing caches stay where they were.
    /// </summary>
    public string CacheDirectory { get; }

    /// <summary>Checks that the backend is reachable (a start-up check; creates an S3 bucket only where configured to).</summary>
    public Task EnsureReadyAsync(CancellationToken ct = default) => _backend.EnsureReadyAsync(ct);

    /// <summary>
    /// Copies <paramref name="content"/> into the store, hashing as it goes; refuses (and leaves nothing
    /// behind) once more than <paramref name="maxBytes"/> bytes arrive.
    /// </summary>
    public async Task<StoredBlob> AddAsync(Stream content, long maxBytes = long.MaxValue, CancellationToken ct = default) =>
        (await AddCoreAsync(content, maxBytes, pin: false, ct)).Blob;

    /// <summary>
    /// As <see cref="AddAsync(Stream, long, CancellationToken)"/>, and keeps the blob from
    /// <see cref="DeleteUnreferenced"/> until the returned pin is disposed: for files stored before anything in the
    /// database refers to them (an upload request's files, inspected once all have arrived). The pin is taken
    /// before the file appears in the store, so no collection can slip in between.
    /// </summary>
    public async Task<(StoredBlob Blob, IDisposable Pin)> AddPinnedAsync(Stream content, long maxBytes = long.MaxValue, CancellationToken ct = default)
    {
        var (blob, pin) = await AddCoreAsync(content, maxBytes, pin: true, ct);
        return (blob, pin!);
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _pins = new(StringComparer.Ordinal);

    private IDisposable PinBlob(string sha256)
    {
        _pins.AddOrUpdate(sha256, 1, (_, n) => n + 1);
        return new BlobPin(this, sha256);
    }

    private sealed class BlobPin(ContentStore store, string sha256) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                store._pins.AddOrUpdate(sha256, 0, (_, n) => n - 1);
                store._pins.TryRemove(KeyValuePair.Create(sha256, 0));
            }
        }
    }

    private async Task<(StoredBlob Blob, IDisposable? Pin)> AddCoreAsync(Stream content, long maxBytes, bool pin, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(content);
        var temp = Path.Combine(_staging, Guid.NewGuid().ToString("N") + ".part");
        try
        {
            long size = 0;
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                var buffer = new byte[1 << 16];
                int n;
                while ((n = await content.ReadAsync(buffer, ct)) > 0)
                {
                    size += n;
                    if (size > maxBytes)
                    {
                        throw new StoreQuotaException($"The data is larger than the {maxBytes:N0} bytes allowed.");
                    }
                    hash.AppendData(buffer, 0, n);
                    await file.WriteAsync(buffer.AsMemory(0, n), ct);
                }
                await file.FlushAsync(ct);
            }
            var sha = Convert.ToHexStringLower(hash.GetHashAndReset());
            var held = pin ? PinBlob(sha) : null;
            try
            {
                await _backend.PutAsync(sha, temp, ct);
            }
            catch
            {
                held?.Dispose();
                throw;
            }
            return (new StoredBlob(sha, size), held);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>Stores bytes written by <paramref name="write"/> (e.g. an NPY writer) without an intermediate copy.</summary>
    public async Task<StoredBlob> AddAsync(Action<Stream> write, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        var temp = Path.Combine(_staging, Guid.NewGuid().ToString("N") + ".part");
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                write(file);
            }
            await using var read = File.OpenRead(temp);
            return await AddAsync(read, long.MaxValue, ct);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>
    /// A local file with this blob's content, for readers that need a path (native and format readers): the store's
    /// own file for a local store, a hash-verified copy in the bounded scratch cache for S3. Callers that must trust
    /// the content of a local store should read through <see cref="OpenRead"/>, which verifies the hash.
    /// </summary>
    public string LocalPath(string sha256) => _backend.LocalFile(Checked(sha256));

    /// <summary>True when a blob with this hash is present.</summary>
    public bool Contains(string sha256) => _backend.Exists(Checked(sha256));

    /// <summary>Size in bytes of a stored blob.</summary>
    public long SizeOf(string sha256) => _backend.SizeOf(Checked(sha256));

    /// <summary>
    /// Opens a blob for reading. The returned stream verifies the SHA-256 when it reaches the end and throws
    /// <see cref="BlobCorruptedException"/> on mismatch, so a damaged file is never silently used.
    /// </summary>
    public Stream OpenRead(string sha256)
    {
        var (content, size) = _backend.OpenRead(Checked(sha256));
        return new VerifyingStream(content, size, sha256);
    }

    /// <summary>Reads a whole blob and checks its hash.</summary>
    public async Task<byte[]> ReadAllBytesAsync(string sha256, CancellationToken ct = default)
    {
        await using var stream = OpenRead(sha256);
        using var memory = new MemoryStream();
        await stream.CopyToAsync(memory, ct);
        return memory.ToArray();
    }

    /// <summary>Deletes every blob whose hash is not in <paramref name="referenced"/> and is not pinned; returns how many bytes were freed.</summary>
    public long DeleteUnreferenced(IReadOnlySet<string> referenced)
    {
        ArgumentNullException.ThrowIfNull(referenced);
        long freed = 0;
        foreach (var blob in _backend.List().ToList())
        {
            if (!referenced.Contains(blob.Sha256) && !_pins.ContainsKey(blob.Sha256))
            {
                freed += blob.SizeBytes;
                _backend.Delete(blob.Sha256);
            }
        }
        foreach (var stale in Directory.EnumerateFiles(_staging, "*.part"))
        {
            // Leftovers from a crash: anything older than a day is not an upload in progress.
            if (File.GetLastWriteTimeUtc(stale) < DateTime.UtcNow.AddDays(-1))
            {
                File.Delete(stale);
            }
        }
        return freed;
    }

    /// <summary>Refuses anything but a lower-case SHA-256 hex digest, so an address can never name a path outside the store.</summary>
    internal static string Checked(string sha256)
    {
        ArgumentNullException.ThrowIfNull(sha256);
        if (sha256.Length != 64 || !sha256.All(char.IsAsciiHexDigitLower))
        {
            throw new ArgumentException($"'{sha256}' is not a lower-case SHA-256 hex digest.", nameof(sha256));
        }
        return sha256;
    }

    /// <summary>Verifies the SHA-256 of everything read when the end is reached; throws <see cref="BlobCorruptedException"/> on mismatch.</summary>
    internal sealed class VerifyingStream(Stream inner, long length, string expected) : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private bool _verified;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        private long _position;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = inner.Read(buffer);
            Check(buffer[..n], buffer.Length);
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int n = await inner.ReadAsync(buffer, cancellationToken);
            Check(buffer.Span[..n], buffer.Length);
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        // A zero-length read into a non-empty buffer is the end of the file: verify then.
        private void Check(ReadOnlySpan<byte> data, int requested)
        {
            if (data.Length > 0)
            {
                _position += data.Length;
                _hash.AppendData(data);
                return;
            }
            if (requested > 0 && !_verified)
            {
                _verified = true;
                var actual = Convert.ToHexStringLower(_hash.GetHashAndReset());
                if (actual != expected)
                {
                    throw new BlobCorruptedException(expected, actual);
                }
            }
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                _hash.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}

/// <summary>Storing the data would exceed a size limit or the workspace's quota.</summary>
public sealed class StoreQuotaException(string message) : Exception(message);
