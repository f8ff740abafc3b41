using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using NeuroLab.Data.Storage;

namespace NeuroLab.Tests.Shared;

/// <summary>
/// The test S3 store (<c>NEUROLAB_TEST_S3</c>, s3rver on loopback): bucket <c>neurolab</c>, any keys, and a fresh key
/// prefix per test so tests never see each other's objects. Also talks to the bucket directly, to look at or damage
/// objects behind the store's back.
/// </summary>
public sealed class S3TestStore : IDisposable
{
    public const string Bucket = "neurolab";

    public S3TestStore()
    {
        var url = TestServers.S3 ?? throw new InvalidOperationException("NEUROLAB_TEST_S3 is not set.");
        Options = new S3StorageOptions
        {
            ServiceUrl = url,
            Bucket = Bucket,
            AccessKey = "S3RVER",
            SecretKey = "S3RVER",
            Prefix = $"test-{Guid.NewGuid():N}/",
            CreateBucket = true,
        };
        Client = new AmazonS3Client(new BasicAWSCredentials("S3RVER", "S3RVER"), new AmazonS3Config
        {
            ServiceURL = url,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        });
    }

    public S3StorageOptions Options { get; }

    public IAmazonS3 Client { get; }

    /// <summary>The configuration keys that point the web app at this store.</summary>
    public IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["NeuroLab:Storage:S3:ServiceUrl"] = Options.ServiceUrl,
        ["NeuroLab:Storage:S3:Bucket"] = Options.Bucket,
        ["NeuroLab:Storage:S3:AccessKey"] = Options.AccessKey,
        ["NeuroLab:Storage:S3:SecretKey"] = Options.SecretKey,
        ["NeuroLab:Storage:S3:Prefix"] = Options.Prefix,
        ["NeuroLab:Storage:S3:CreateBucket"] = "true",
    };

    public string Key(string sha256) => $"{Options.Prefix}{sha256[..2]}/{sha256[2..4]}/{sha256}.blob";

    /// <summary>Every object key under this test's prefix.</summary>
    public async Task<IReadOnlyList<string>> KeysAsync()
    {
        var keys = new List<string>();
        string? continuation = null;
        do
        {
            var page = await Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket, Prefix = Options.Prefix, ContinuationToken = continuation });
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            continuation = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (continuation is not null);
        return keys;
    }

    public async Task<byte[]> GetAsync(string key)
    {
        using var response = await Client.GetObjectAsync(Bucket, key);
        using var memory = new MemoryStream();
        await response.ResponseStream.CopyToAsync(memory);
        return memory.ToArray();
    }

    public Task PutAsync(string key, byte[] content) =>
        Client.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = key, InputStream = new MemoryStream(content), UseChunkEncoding = false });

    public void Dispose()
    {
        foreach (var key in KeysAsync().GetAwaiter().GetResult())
        {
            Client.DeleteObjectAsync(Bucket, key).GetAwaiter().GetResult();
        }
        Client.Dispose();
    }
}
