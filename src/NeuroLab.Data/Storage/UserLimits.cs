using System.Globalization;
using Microsoft.EntityFrameworkCore;

namespace NeuroLab.Data.Storage;

/// <summary>
/// Per-user limits (the <c>NeuroLab:Storage</c> settings of the same names). The storage quota is per workspace,
/// so without these a user could multiply their storage by creating workspaces: the number of workspaces a user
/// owns is bounded, and so are the bytes they add across all workspaces.
/// </summary>
public sealed record UserLimits
{
    /// <summary>Most workspaces one user may own (be an Owner of); 0 = unlimited.</summary>
    public int MaxWorkspacesPerUser { get; init; }

    /// <summary>Most bytes of data one user may add (datasets they created and staged uploads), over all workspaces; 0 = unlimited.</summary>
    public long UserQuotaBytes { get; init; }

    /// <summary>Bytes the user may still add, or null when there is no user quota.</summary>
    public async Task<long?> BytesLeftAsync(NeuroLabDbContext db, ContentStore store, string userId, DateTime nowUtc, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(store);
        if (UserQuotaBytes <= 0)
        {
            return null;
        }
        var used = await UsedBytesAsync(db, store, userId, nowUtc, ct);
        return Math.Max(0, UserQuotaBytes - used);
    }

    /// <summary>Refuses adding <paramref name="blobs"/> when the user's data would pass <see cref="UserQuotaBytes"/>.</summary>
    /// <exception cref="StorageLimitException">The quota would be exceeded.</exception>
    public async Task RequireRoomAsync(NeuroLabDbContext db, ContentStore store, string userId, IEnumerable<StoredBlob> blobs, DateTime nowUtc, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(store);
        if (UserQuotaBytes <= 0)
        {
            return;
        }
        var existing = await BlobReferences.CollectForUserAsync(db, userId, nowUtc, ct);
        long used = existing.Where(store.Contains).Sum(store.SizeOf);
        long adding = blobs.Where(b => !existing.Contains(b.Sha256)).DistinctBy(b => b.Sha256).Sum(b => b.SizeBytes);
        if (used + adding > UserQuotaBytes)
        {
            throw QuotaExceeded(adding, UserQuotaBytes - used);
        }
    }

    /// <summary>The error for data that does not fit in what is left of the user's quota.</summary>
    public StorageLimitException QuotaExceeded(long? addingBytes, long leftBytes)
    {
        var needs = addingBytes is { } a ? string.Create(CultureInfo.InvariantCulture, $"This needs {a / 1048576.0:N1} MiB but you have ") : "You have ";
        return new StorageLimitException(
            needs + string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, leftBytes) / 1048576.0:N1} MiB left of your {UserQuotaBytes / 1048576.0:N0} MiB storage quota, ") +
            "counted over the data you added in all workspaces (NeuroLab:Storage:UserQuotaBytes). Delete datasets you no longer need, or ask an administrator to raise the quota.",
            "NeuroLab:Storage:UserQuotaBytes");
    }

    private static async Task<long> UsedBytesAsync(NeuroLabDbContext db, ContentStore store, string userId, DateTime nowUtc, CancellationToken ct) =>
        (await BlobReferences.CollectForUserAsync(db, userId, nowUtc, ct)).Where(store.Contains).Sum(store.SizeOf);
}

/// <summary>A configured storage limit would be passed (API answers 413 with the message, which names the setting).</summary>
public sealed class StorageLimitException(string message, string setting) : Exception(message)
{
    /// <summary>The configuration key of the limit.</summary>
    public string Setting { get; } = setting;
}
