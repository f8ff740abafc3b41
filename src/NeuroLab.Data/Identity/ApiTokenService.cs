using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using NeuroLab.Data.Audit;

namespace NeuroLab.Data.Identity;

/// <summary>A token as listed to its owner (never the secret).</summary>
public sealed record ApiTokenSummary(Guid Id, string Name, string Prefix, DateTime CreatedAtUtc, DateTime? ExpiresAtUtc, DateTime? LastUsedAtUtc, DateTime? RevokedAtUtc);

/// <summary>A freshly created token: <see cref="Secret"/> is shown once and never stored.</summary>
public sealed record CreatedApiToken(ApiTokenSummary Token, string Secret);

/// <summary>Creates, lists, revokes and verifies personal access tokens.</summary>
public sealed class ApiTokenService(IDbContextFactory<NeuroLabDbContext> dbFactory, TimeProvider clock)
{
    /// <summary>Every secret starts with this, so scanners and people can recognise a leaked NeuroLab token.</summary>
    public const string SecretPrefix = "nlpat_";

    /// <summary>Most tokens one user may hold at once (revoked ones do not count).</summary>
    public const int MaxActiveTokensPerUser = 50;

    /// <summary>Creates a token. <paramref name="lifetime"/> null means it does not expire.</summary>
    public async Task<CreatedApiToken> CreateAsync(string userId, string name, TimeSpan? lifetime, CancellationToken ct = default)
    {
        var clean = name?.Trim() ?? string.Empty;
        if (clean.Length is 0 or > 100 || clean.Any(char.IsControl))
        {
            throw new ArgumentException("Give the token a name of 1 to 100 characters.", nameof(name));
        }
        if (lifetime is { } l && (l <= TimeSpan.Zero || l > TimeSpan.FromDays(3660)))
        {
            throw new ArgumentException("A token lifetime must be between one second and ten years.", nameof(lifetime));
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var active = await db.ApiTokens.CountAsync(t => t.UserId == userId && t.RevokedAtUtc == null && (t.ExpiresAtUtc == null || t.ExpiresAtUtc > now), ct);
        if (active >= MaxActiveTokensPerUser)
        {
            throw new InvalidOperationException($"You already have {active} active tokens; revoke some before creating more.");
        }
        var secret = SecretPrefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        var token = new ApiToken
        {
            UserId = userId,
            Name = clean,
            Prefix = secret[..(SecretPrefix.Length + 6)],
            SecretHash = Hash(secret),
            CreatedAtUtc = now,
            ExpiresAtUtc = lifetime is { } life ? now + life : null,
        };
        db.ApiTokens.Add(token);
        db.AuditEvents.Add(new AuditEvent { ActorUserId = userId, Action = "token.created", Detail = $"{clean} ({token.Prefix}…)", AtUtc = now });
        await db.SaveChangesAsync(ct);
        return new CreatedApiToken(ToSummary(token), secret);
    }

    /// <summary>The user's tokens, newest first, revoked ones included.</summary>
    public async Task<IReadOnlyList<ApiTokenSummary>> ListAsync(string userId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.ApiTokens.Where(t => t.UserId == userId).ToListAsync(ct);
        return [.. rows.OrderByDescending(t => t.CreatedAtUtc).Select(ToSummary)];
    }

    /// <summary>Revokes one of the user's tokens. Returns false when the user has no such token.</summary>
    public async Task<bool> RevokeAsync(string userId, Guid tokenId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var token = await db.ApiTokens.SingleOrDefaultAsync(t => t.Id == tokenId && t.UserId == userId, ct);
        if (token is null)
        {
            return false;
        }
        if (token.RevokedAtUtc is null)
        {
            token.RevokedAtUtc = clock.GetUtcNow().UtcDateTime;
            db.AuditEvents.Add(new AuditEvent { ActorUserId = userId, Action = "token.revoked", Detail = $"{token.Name} ({token.Prefix}…)", AtUtc = token.RevokedAtUtc.Value });
            await db.SaveChangesAsync(ct);
        }
        return true;
    }

    /// <summary>The owner's user id when <paramref name="secret"/> is an active token, else null. Records last use.</summary>
    public async Task<string?> ValidateAsync(string secret, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(secret) || !secret.StartsWith(SecretPrefix, StringComparison.Ordinal) || secret.Length > 200)
        {
            return null;
        }
        var hash = Hash(secret);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var token = await db.ApiTokens.SingleOrDefaultAsync(t => t.SecretHash == hash, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        if (token is null || !token.IsActive(now))
        {
            return null;
        }
        // Last use at minute resolution: enough for "is this token still used?" without a write per request.
        if (token.LastUsedAtUtc is null || now - token.LastUsedAtUtc > TimeSpan.FromMinutes(1))
        {
            token.LastUsedAtUtc = now;
            await db.SaveChangesAsync(ct);
        }
        return token.UserId;
    }

    /// <summary>Lower-case hex SHA-256 of the UTF-8 secret.</summary>
    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static ApiTokenSummary ToSummary(ApiToken t) => new(t.Id, t.Name, t.Prefix, t.CreatedAtUtc, t.ExpiresAtUtc, t.LastUsedAtUtc, t.RevokedAtUtc);
}
