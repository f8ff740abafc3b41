namespace NeuroLab.Data.Identity;

/// <summary>
/// A personal access token for scripts. Only the SHA-256 hash of the secret is stored; the secret
/// itself is shown once, when the token is created. Tokens are 256-bit random values, so a plain
/// (unsalted) hash is enough: there is nothing to brute-force.
/// </summary>
public sealed class ApiToken
{
    public Guid Id { get; set; } = Guid.NewGuid();

    public required string UserId { get; set; }

    public ApplicationUser? User { get; set; }

    /// <summary>What the owner called it ("cluster scripts").</summary>
    public required string Name { get; set; }

    /// <summary>First characters of the secret, shown in lists so a person can recognise a token.</summary>
    public required string Prefix { get; set; }

    /// <summary>Lower-case hex SHA-256 of the whole secret.</summary>
    public required string SecretHash { get; set; }

    public DateTime CreatedAtUtc { get; set; } = DateTime.UtcNow;

    public DateTime? ExpiresAtUtc { get; set; }

    public DateTime? LastUsedAtUtc { get; set; }

    public DateTime? RevokedAtUtc { get; set; }

    public bool IsActive(DateTime nowUtc) => RevokedAtUtc is null && (ExpiresAtUtc is null || ExpiresAtUtc > nowUtc);
}
