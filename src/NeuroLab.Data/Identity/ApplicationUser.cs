using Microsoft.AspNetCore.Identity;

namespace NeuroLab.Data.Identity;

/// <summary>A person who signs in to NeuroLab (local account or linked Entra ID login).</summary>
public sealed class ApplicationUser : IdentityUser
{
    /// <summary>Name shown to teammates; defaults to the part of the email before '@'.</summary>
    [PersonalData]
    public string? DisplayName { get; set; }

    public DateTime CreatedAtUtc { get; set; } = DateTime.UtcNow;
}
