using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.S3.Transfer;

namespace NeuroLab.Data.Storage;

/// <summary>
/// Blobs as objects <c>&lt;prefix&gt;ab/cd/&lt;sha256&gt;.blob</c> in an S3-compatible bucket. The store stages and hashes
/// every write locally first, so an object only ever appears complete under its content's name. Readers that need a
/// path get a hash-verified copy from the <see cref="ScratchCache"/>. The store's API is synchronous where callers are
/// (format readers, previews); those calls block on the SDK's asynchronous requests (ASP.NET Core has no
/// synchronisation context, so this cannot deadlock; it holds a pool thread for the request's duration).
/// </summary>
public sealed class S3Backend : IBlobBackend, IDisposable
{
    private readonly IAmazonS3 _client;
    private readonly S3StorageOptions _options;
    private readonly string _bucket;
    private readonly string _prefix;
    private readonly ScratchCache _scratch;

    public S3Backend(S3StorageOptions options, ScratchCache scratch)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scratch);
        if (!options.IsConfigured)
        {
            throw new InvalidOperationException("NeuroLab:Storage:S3:ServiceUrl and NeuroLab:Storage:S3:Bucket must both be set to store data in S3.");
        }
        _options = options;
        _bucket = options.Bucket!;
        _prefix = options.Prefix ?? "";
        _scratch = scratch;
        var config = new AmazonS3Config
        {
            ServiceURL = options.ServiceUrl,
            ForcePathStyle = options.ForcePathStyle,
            AuthenticationRegion = string.IsNullOrWhiteSpace(options.Region) ? "us-east-1" : options.Region,
            // Checksums only where S3 requires them: self-hosted stores (s3rver, older MinIO) reject the SDK's default
            // trailing CRC headers; the store verifies every read by SHA-256 itself.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        _client = string.IsNullOrEmpty(options.AccessKey)
            ? new AmazonS3Client(config)
            : new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config);
    }

    public string Location => $"s3://{_bucket}/{_prefix}";

    private string Key(string sha256) => $"{_prefix}{sha256[..2]}/{sha256[2..4]}/{sha256}.blob";

    public async Task PutAsync(string sha256, string verifiedFile, CancellationToken ct)
    {
        if (await ExistsAsync(sha256, ct))
        {
            return;
        }
        if (new FileInfo(verifiedFile).Length > _options.MultipartThresholdBytes)
        {
            using var transfer = new TransferUtility(_client, new TransferUtilityConfig { MinSizeBeforePartUpload = _options.MultipartThresholdBytes });
            await transfer.UploadAsync(new TransferUtilityUploadRequest { BucketName = _bucket, Key = Key(sha256), FilePath = verifiedFile }, ct);
            return;
        }
        await _client.PutObjectAsync(new PutObjectRequest { BucketName = _bucket, Key = Key(sha256), FilePath = verifiedFile, UseChunkEncoding = false }, ct);
    }

    public (Stream Content, long SizeBytes) OpenRead(string sha256)
    {
        try
        {
            var response = _client.GetObjectAsync(_bucket, Key(sha256)).GetAwaiter().GetResult();
            return (new OwningStream(response.ResponseStream, response), response.ContentLength);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            throw new FileNotFoundException($"Stored file {sha256[..12]}… is missing from the store at {Location}.", Key(sha256), e);
        }
    }

    public bool Exists(string sha256) => ExistsAsync(sha256, CancellationToken.None).GetAwaiter().GetResult();

    private async Task<bool> ExistsAsync(string sha256, CancellationToken ct) => await MetadataAsync(sha256, ct) is not null;

    private async Task<GetObjectMetadataResponse?> MetadataAsync(string sha256, CancellationToken ct)
    {
        try
        {
            return await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _bucket, Key = Key(sha256) }, ct);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public long SizeOf(string sha256) =>
        (MetadataAsync(sha256, CancellationToken.None).GetAwaiter().GetResult()
            ?? throw new FileNotFoundException($"Stored file {sha256[..12]}… is missing from the store at {Location}.", Key(sha256))).ContentLength;

    public void Delete(string sha256) => _client.DeleteObjectAsync(_bucket, Key(sha256)).GetAwaiter().GetResult();

    public IEnumerable<StoredBlob> List()
    {
        string? continuation = null;
        do
        {
            var page = _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _bucket, Prefix = _prefix, ContinuationToken = continuation })
                .GetAwaiter().GetResult();
            foreach (var o in page.S3Objects ?? [])
            {
                var name = o.Key[_prefix.Length..];
                // Only keys of the store's own shape: ab/cd/<sha256>.blob.
                if (name.Length == 6 + 64 + 5 && name.EndsWith(".blob", StringComparison.Ordinal) && Key(name[6..70]) == o.Key)
                {
                    yield return new StoredBlob(name[6..70], o.Size ?? 0);
                }
            }
            continuation = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (continuation is not null);
    }

    public string LocalFile(string sha256) =>
        _scratch.GetOrFetch(sha256, () =>
        {
            var (content, size) = OpenRead(sha256);
            return new ContentStore.VerifyingStream(content, size, sha256);
        });

    public async Task EnsureReadyAsync(CancellationToken ct)
    {
        try
        {
            await _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _bucket, Prefix = _prefix, MaxKeys = 1 }, ct);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchBucket" || e.StatusCode == HttpStatusCode.NotFound)
        {
            if (!_options.CreateBucket)
            {
                throw new InvalidOperationException(
                    $"The S3 bucket '{_bucket}' (NeuroLab:Storage:S3:Bucket) does not exist at {_options.ServiceUrl} (NeuroLab:Storage:S3:ServiceUrl). " +
                    "Create it, or set NeuroLab:Storage:S3:CreateBucket to true.", e);
            }
            await _client.PutBucketAsync(new PutBucketRequest { BucketName = _bucket }, ct);
        }
        catch (Exception e) when (e is AmazonServiceException or HttpRequestException or AmazonClientException)
        {
            throw new InvalidOperationException(
                $"The S3 store at {_options.ServiceUrl} (NeuroLab:Storage:S3:ServiceUrl), bucket '{_bucket}' (NeuroLab:Storage:S3:Bucket), " +
                $"is not reachable: {e.Message} Check the address and NeuroLab:Storage:S3:AccessKey/SecretKey/Region.", e);
        }
    }

    public void Dispose() => _client.Dispose();

    /// <summary>The object's body, disposing the response (and its connection) with it.</summary>
    private sealed class OwningStream(Stream inner, IDisposable owner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) => inner.Read(buffer);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);

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
                owner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
