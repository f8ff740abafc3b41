namespace NeuroLab.Web.Extensions;

/// <summary>The <c>NeuroLab</c> section of appsettings.json (documented there).</summary>
public sealed class NeuroLabOptions
{
    public const string SectionName = "NeuroLab";

    /// <summary>Folder for the SQLite database, the local content store and caches (<see cref="NeuroLab.Data.DataDirectory"/>, shared with the workers). Relative paths are resolved against the working directory.</summary>
    public string DataDirectory { get; set; } = NeuroLab.Data.DataDirectory.Default;

    public SecurityOptions Security { get; set; } = new();

    public StorageOptions Storage { get; set; } = new();

    public SampleOptions Samples { get; set; } = new();

    public UploadOptions Uploads { get; set; } = new();
}

/// <summary>The <c>NeuroLab:Uploads</c> section: what checking an uploaded file may cost (docs/security.md).</summary>
public sealed class UploadOptions
{
    /// <summary>Largest decoded size of one file's data in bytes; files declaring more are refused at upload.</summary>
    public long MaxDecodedBytes { get; set; } = NeuroLab.Formats.Inspection.InspectionLimits.Default.MaxDecodedBytes;

    /// <summary>Most memory one inspection or preview may hold, in bytes (formats decoded whole must fit in it).</summary>
    public long InspectionMemoryBytes { get; set; } = NeuroLab.Formats.Inspection.InspectionLimits.Default.MemoryBudgetBytes;

    /// <summary>Most inspections and previews running at once; more wait their turn.</summary>
    public int MaxConcurrentInspections { get; set; } = 2;

    /// <summary>The limits these settings describe.</summary>
    public NeuroLab.Formats.Inspection.InspectionLimits ToLimits() => new()
    {
        MaxDecodedBytes = Math.Max(1, MaxDecodedBytes),
        MemoryBudgetBytes = Math.Max(1, InspectionMemoryBytes),
    };
}

/// <summary>The <c>NeuroLab:Storage</c> section.</summary>
public sealed class StorageOptions
{
    /// <summary>Largest single upload in bytes.</summary>
    public long MaxUploadBytes { get; set; } = 4L * 1024 * 1024 * 1024;

    /// <summary>Most bytes of stored data per workspace (0 = unlimited).</summary>
    public long WorkspaceQuotaBytes { get; set; } = 50L * 1024 * 1024 * 1024;

    /// <summary>Most workspaces one user may own (0 = unlimited); the workspace quota alone could be multiplied by creating workspaces.</summary>
    public int MaxWorkspacesPerUser { get; set; } = 20;

    /// <summary>Most bytes of data one user may add over all workspaces: datasets they created and staged uploads (0 = unlimited).</summary>
    public long UserQuotaBytes { get; set; } = 100L * 1024 * 1024 * 1024;
}

/// <summary>The <c>NeuroLab:Samples</c> section.</summary>
public sealed class SampleOptions
{
    /// <summary>A local folder laid out like the sample sources (e.g. ../shared/data); empty = download from the public URLs.</summary>
    public string? MirrorDirectory { get; set; }
}

/// <summary>The <c>NeuroLab:Security</c> section.</summary>
public sealed class SecurityOptions
{
    /// <summary>Sign-in and registration attempts allowed per client address per window.</summary>
    public int SignInPermitLimit { get; set; } = 10;

    /// <summary>Length of the rate-limit window in seconds.</summary>
    public int SignInWindowSeconds { get; set; } = 60;

    /// <summary>Failed passwords before an account is locked.</summary>
    public int LockoutMaxFailedAttempts { get; set; } = 5;

    /// <summary>How long a locked account stays locked.</summary>
    public int LockoutMinutes { get; set; } = 15;

    /// <summary>Largest request body accepted by default (uploads get their own, larger limit).</summary>
    public long MaxRequestBodyBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Minimum password length for local accounts.</summary>
    public int MinPasswordLength { get; set; } = 10;

    /// <summary>Lifetime of bearer access tokens issued by /api/v1/account/login, in minutes.</summary>
    public int AccessTokenMinutes { get; set; } = 60;

    /// <summary>Trusting X-Forwarded-For/-Proto from a TLS-terminating reverse proxy (off by default).</summary>
    public Security.ForwardedHeadersSettings ForwardedHeaders { get; set; } = new();
}
