using System.Text;
using NeuroLab.Data.Storage;

namespace NeuroLab.Data.Tests.Storage;

/// <summary>The store's contract, against each backend: a local folder and (with <c>NEUROLAB_TEST_S3</c>) an S3 bucket.</summary>
public sealed class ContentStoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("neurolab-store-").FullName;
    private S3TestStore? _s3;
    private ContentStore _store = null!;

    public void Dispose()
    {
        _s3?.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    private static MemoryStream Text(string s) => new(Encoding.UTF8.GetBytes(s));

    /// <summary>
    /// Local: the store in <c>_root</c>, as the app lays it out. S3: blobs in the test bucket under a fresh prefix;
    /// staging and scratch in <c>_root</c>, so "nothing left under _root" means nothing left locally either way.
    /// </summary>
    private void Use(string backend)
    {
        _store = backend switch
        {
            "local" => new ContentStore(_root),
            "s3" => S3Store(),
            _ => throw new ArgumentOutOfRangeException(nameof(backend), backend, "Unknown backend"),
        };
        _store.EnsureReadyAsync().GetAwaiter().GetResult();
    }

    private ContentStore S3Store()
    {
        _s3 = new S3TestStore();
        return new ContentStore(new S3Backend(_s3.Options, new ScratchCache(Path.Combine(_root, "scratch"), 1 << 20)), Path.Combine(_root, "tmp"), Path.Combine(_root, "cache"));
    }

    private async Task<IReadOnlyList<string>> BlobNamesAsync() =>
        _s3 is null
            ? Directory.GetFiles(_root, "*.blob", SearchOption.AllDirectories)
            : await _s3.KeysAsync();

    private async Task DamageAsync(string sha)
    {
        if (_s3 is null)
        {
            var path = Directory.GetFiles(_root, sha + ".blob", SearchOption.AllDirectories).Single();
            var bytes = await File.ReadAllBytesAsync(path);
            bytes[3] ^= 1;
            await File.WriteAllBytesAsync(path, bytes);
        }
        else
        {
            var bytes = await _s3.GetAsync(_s3.Key(sha));
            bytes[3] ^= 1;
            await _s3.PutAsync(_s3.Key(sha), bytes);
        }
    }

    [Theory]
    [InlineData("local")]
    [S3InlineData("s3")]
    public async Task Add_AddressesBySha256_AndDeduplicates(string backend)
    {
        Use(backend);
        var a = await _store.AddAsync(Text("abc"));
        // Reference: `printf 'abc' | sha256sum` (GNU coreutils 9.1).
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", a.Sha256);
        Assert.Equal(3, a.SizeBytes);
        var again = await _store.AddAsync(Text("abc"));
        Assert.Equal(a, again);
        Assert.Single(await BlobNamesAsync());
        Assert.Empty(Directory.GetFiles(Path.Combine(_root, "tmp")));
        Assert.Equal("abc", Encoding.UTF8.GetString(await _store.ReadAllBytesAsync(a.Sha256)));
        Assert.Equal(3, _store.SizeOf(a.Sha256));
        Assert.Equal("abc", await File.ReadAllTextAsync(_store.LocalPath(a.Sha256)));
    }

    [Theory]
    [InlineData("local")]
    [S3InlineData("s3")]
    public async Task Read_DamagedFile_IsDetected(string backend)
    {
        Use(backend);
        var blob = await _store.AddAsync(Text("voxel data that must not change"));
        await DamageAsync(blob.Sha256);
        var e = await Assert.ThrowsAsync<BlobCorruptedException>(() => _store.ReadAllBytesAsync(blob.Sha256));
        Assert.Contains("damaged", e.Message, StringComparison.Ordinal);
    }

    [S3Fact]
    public async Task LocalPath_DamagedS3Object_IsDetectedAndNoCopyIsKept()
    {
        Use("s3");
        var blob = await _store.AddAsync(Text("a NIfTI a native reader will open by path"));
        await DamageAsync(blob.Sha256);
        Assert.Throws<BlobCorruptedException>(() => _store.LocalPath(blob.Sha256));
        Assert.Empty(Directory.GetFiles(Path.Combine(_root, "scratch"), "*", SearchOption.AllDirectories));
    }

    [S3Fact]
    public async Task LocalPath_S3_ScratchTrimmedLeastRecentlyUsedFirst()
    {
        _s3 = new S3TestStore();
        // A 100-byte scratch bound: two 60-byte copies cannot both stay.
        _store = new ContentStore(new S3Backend(_s3.Options, new ScratchCache(Path.Combine(_root, "scratch"), 100)), Path.Combine(_root, "tmp"), Path.Combine(_root, "cache"));
        await _store.EnsureReadyAsync();
        var first = await _store.AddAsync(Text(new string('a', 60)));
        var second = await _store.AddAsync(Text(new string('b', 60)));

        var firstPath = _store.LocalPath(first.Sha256);
        Assert.True(File.Exists(firstPath));
        var secondPath = _store.LocalPath(second.Sha256);
        Assert.True(File.Exists(secondPath));
        Assert.False(File.Exists(firstPath));
        Assert.Equal(new string('a', 60), await File.ReadAllTextAsync(_store.LocalPath(first.Sha256)));
    }

    [Theory]
    [InlineData("local")]
    [S3InlineData("s3")]
    public async Task Add_OverLimit_LeavesNothingBehind(string backend)
    {
        Use(backend);
        await Assert.ThrowsAsync<StoreQuotaException>(() => _store.AddAsync(Text(new string('x', 5000)), maxBytes: 1000));
        Assert.Empty(Directory.GetFiles(_root, "*", SearchOption.AllDirectories));
        Assert.Empty(await BlobNamesAsync());
    }

    [Theory]
    [InlineData("local")]
    [S3InlineData("s3")]
    public async Task Add_CancelledMidway_LeavesNothingBehind(string backend)
    {
        Use(backend);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.AddAsync(Text("data"), ct: cts.Token));
        Assert.Empty(Directory.GetFiles(_root, "*", SearchOption.AllDirectories));
        Assert.Empty(await BlobNamesAsync());
    }

    [Theory]
    [InlineData("local")]
    [S3InlineData("s3")]
    public async Task DeleteUnreferenced_KeepsReferencedOnly(string backend)
    {
        Use(backend);
        var keep = await _store.AddAsync(Text("keep"));
        var drop = await _store.AddAsync(Text("drop me"));
        var freed = _store.DeleteUnreferenced(new HashSet<string> { keep.Sha256 });
        Assert.Equal(drop.SizeBytes, freed);
        Assert.True(_store.Contains(keep.Sha256));
        Assert.False(_store.Contains(drop.Sha256));
    }

    [Theory]
    [InlineData("local")]
    [S3InlineData("s3")]
    public async Task DeleteUnreferenced_PinnedBlob_KeptUntilThePinIsReleased(string backend)
    {
        Use(backend);
        // An upload's files are stored before their rows exist; a collection in between must not take them.
        var (blob, pin) = await _store.AddPinnedAsync(Text("uploading"));
        var (again, second) = await _store.AddPinnedAsync(Text("uploading"));

        Assert.Equal(0, _store.DeleteUnreferenced(new HashSet<string>()));
        pin.Dispose();
        pin.Dispose();
        Assert.Equal(0, _store.DeleteUnreferenced(new HashSet<string>()));
        Assert.True(_store.Contains(blob.Sha256));
        second.Dispose();
        Assert.Equal(again.SizeBytes, _store.DeleteUnreferenced(new HashSet<string>()));
        Assert.False(_store.Contains(blob.Sha256));
    }

    [Theory]
    [InlineData("local", "../../etc/passwd")]
    [InlineData("local", "ABC")]
    [S3InlineData("s3", "../../etc/passwd")]
    [S3InlineData("s3", "ABC")]
    public void OpenRead_RejectsNonHashAddresses(string backend, string address)
    {
        Use(backend);
        Assert.Throws<ArgumentException>(() => _store.OpenRead(address));
    }

    [Fact]
    public async Task EnsureReady_MissingBucketNotToBeCreated_NamesTheSetting()
    {
        // Nothing listens on port 1, so this checks the unreachable message without any server.
        var store = new ContentStore(
            new S3Backend(new S3StorageOptions { ServiceUrl = "http://127.0.0.1:1", Bucket = "absent", AccessKey = "k", SecretKey = "s" }, new ScratchCache(Path.Combine(_root, "scratch"), 1 << 20)),
            Path.Combine(_root, "tmp"), Path.Combine(_root, "cache"));
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => store.EnsureReadyAsync());
        Assert.Contains("NeuroLab:Storage:S3:ServiceUrl", e.Message, StringComparison.Ordinal);
    }

    [S3Fact]
    public async Task EnsureReady_MissingBucket_FailsNamingTheKeyUnlessCreateBucket()
    {
        _s3 = new S3TestStore();
        var bucket = $"absent-{Guid.NewGuid():N}"[..20];
        var options = new S3StorageOptions { ServiceUrl = _s3.Options.ServiceUrl, Bucket = bucket, AccessKey = "S3RVER", SecretKey = "S3RVER" };
        var store = new ContentStore(new S3Backend(options, new ScratchCache(Path.Combine(_root, "scratch"), 1 << 20)), Path.Combine(_root, "tmp"), Path.Combine(_root, "cache"));
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => store.EnsureReadyAsync());
        Assert.Contains("NeuroLab:Storage:S3:Bucket", e.Message, StringComparison.Ordinal);
        Assert.Contains("CreateBucket", e.Message, StringComparison.Ordinal);

        options.CreateBucket = true;
        await store.EnsureReadyAsync();
        await _s3.Client.DeleteBucketAsync(bucket);
    }
}
