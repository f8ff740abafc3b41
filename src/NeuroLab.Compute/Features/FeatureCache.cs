using System.Security.Cryptography;
using System.Text;
using NeuroLab.Data.Storage;
using NeuroLab.Formats;
using NeuroLab.Formats.Numpy;

namespace NeuroLab.Compute.Features;

/// <summary>
/// Feature matrices kept in the content store under their <see cref="IFeatureSpace.CacheKey"/>: the matrix is a blob
/// (.npy, float32 [stimuli, features]); a small index file <c>feature-cache/&lt;sha256 of the key&gt;</c> in the store's local
/// <see cref="ContentStore.CacheDirectory"/> names it. Nothing in the database points at these blobs, so the store's clean-up may delete them: a missing blob is
/// a cache miss and the matrix is computed again.
/// </summary>
public sealed class FeatureCache(ContentStore store)
{
    private string IndexPath(string key) =>
        Path.Combine(store.CacheDirectory, "feature-cache", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key))));

    /// <summary>The matrix stored under <paramref name="key"/>, or null.</summary>
    public async Task<NumericArray?> TryGetAsync(string key, CancellationToken ct)
    {
        var index = IndexPath(key);
        if (!File.Exists(index))
        {
            return null;
        }
        var sha = (await File.ReadAllTextAsync(index, ct)).Trim();
        if (!store.Contains(sha))
        {
            return null;
        }
        await using var stream = store.OpenRead(sha);
        return NpyReader.Read(stream, "features.npy");
    }

    /// <summary>Stores <paramref name="matrix"/> under <paramref name="key"/>.</summary>
    public async Task SetAsync(string key, NumericArray matrix, CancellationToken ct)
    {
        var blob = await store.AddAsync(s => NpyWriter.Write(s, matrix), ct);
        var index = IndexPath(key);
        Directory.CreateDirectory(Path.GetDirectoryName(index)!);
        var temp = index + "." + Guid.NewGuid().ToString("N") + ".tmp";
        await File.WriteAllTextAsync(temp, blob.Sha256, ct);
        File.Move(temp, index, overwrite: true);
    }
}
