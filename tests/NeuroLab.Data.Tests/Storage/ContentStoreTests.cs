using System.Text;
using NeuroLab.Data.Storage;

namespace NeuroLab.Data.Tests.Storage;

public sealed class ContentStoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("neurolab-store-").FullName;
    private readonly ContentStore _store;

    public ContentStoreTests() => _store = new ContentStore(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static MemoryStream Text(string s) => new(Encoding.UTF8.GetBytes(s));

    [Fact]
    public async Task Add_AddressesBySha256_AndDeduplicates()
    {
        var a = await _store.AddAsync(Text("abc"));
        // Reference: `printf 'abc' | sha256sum` (GNU coreutils 9.1).
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", a.Sha256);
        Assert.Equal(3, a.SizeBytes);
        var again = await _store.AddAsync(Text("abc"));
        Assert.Equal(a, again);
        Assert.Single(Directory.GetFiles(_root, "*.blob", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFiles(Path.Combine(_root, "tmp")));
        Assert.Equal("abc", Encoding.UTF8.GetString(await _store.ReadAllBytesAsync(a.Sha256)));
    }

    [Fact]
    public async Task Read_DamagedFile_IsDetected()
    {
        var blob = await _store.AddAsync(Text("voxel data that must not change"));
        var path = Directory.GetFiles(_root, blob.Sha256 + ".blob", SearchOption.AllDirectories).Single();
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[3] ^= 1;
        await File.WriteAllBytesAsync(path, bytes);
        var e = await Assert.ThrowsAsync<BlobCorruptedException>(() => _store.ReadAllBytesAsync(blob.Sha256));
        Assert.Contains("damaged", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Add_OverLimit_LeavesNothingBehind()
    {
        await Assert.ThrowsAsync<StoreQuotaException>(() => _store.AddAsync(Text(new string('x', 5000)), maxBytes: 1000));
        Assert.Empty(Directory.GetFiles(_root, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Add_CancelledMidway_LeavesNothingBehind()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.AddAsync(Text("data"), ct: cts.Token));
        Assert.Empty(Directory.GetFiles(_root, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task DeleteUnreferenced_KeepsReferencedOnly()
    {
        var keep = await _store.AddAsync(Text("keep"));
        var drop = await _store.AddAsync(Text("drop me"));
        var freed = _store.DeleteUnreferenced(new HashSet<string> { keep.Sha256 });
        Assert.Equal(drop.SizeBytes, freed);
        Assert.True(_store.Contains(keep.Sha256));
        Assert.False(_store.Contains(drop.Sha256));
    }

    [Fact]
    public async Task DeleteUnreferenced_PinnedBlob_KeptUntilThePinIsReleased()
    {
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
    [InlineData("../../etc/passwd")]
    [InlineData("ABC")]
    public void OpenRead_RejectsNonHashAddresses(string address) =>
        Assert.Throws<ArgumentException>(() => _store.OpenRead(address));
}
