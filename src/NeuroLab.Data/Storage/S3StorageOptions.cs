namespace NeuroLab.Data.Storage;

/// <summary>
/// <c>NeuroLab:Storage:S3</c>: blobs in an S3-compatible bucket when <see cref="ServiceUrl"/> and <see cref="Bucket"/>
/// are set; the local folder otherwise.
/// </summary>
public sealed class S3StorageOptions
{
    /// <summary>Endpoint, e.g. <c>https://s3.eu-west-1.amazonaws.com</c> or <c>http://minio:9000</c>.</summary>
    public string? ServiceUrl { get; set; }

    public string? Bucket { get; set; }

    /// <summary>Signing region; <c>us-east-1</c> when empty (what MinIO and s3rver accept).</summary>
    public string? Region { get; set; }

    /// <summary>With <see cref="SecretKey"/>: static credentials. Both empty: the SDK's default chain (environment, instance role).</summary>
    public string? AccessKey { get; set; }

    public string? SecretKey { get; set; }

    /// <summary>Prepended to every object key (<c>&lt;prefix&gt;ab/cd/&lt;sha256&gt;.blob</c>), e.g. <c>neurolab/</c>.</summary>
    public string? Prefix { get; set; }

    /// <summary>Path-style addresses (<c>host/bucket/key</c>), which MinIO, s3rver and most self-hosted stores need.</summary>
    public bool ForcePathStyle { get; set; } = true;

    /// <summary>Create the bucket at start-up when it is missing (otherwise a missing bucket stops start-up with an error).</summary>
    public bool CreateBucket { get; set; }

    /// <summary>
    /// Blobs up to this size are stored with one PutObject; larger ones with a multipart upload. S3 allows at most
    /// 5 GiB in one PUT. The multipart path is not covered by the tests (s3rver has no multipart upload).
    /// </summary>
    public long MultipartThresholdBytes { get; set; } = 1L << 30;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(ServiceUrl) && !string.IsNullOrWhiteSpace(Bucket);
}
