namespace NeuroLab.Compute.Runs;

/// <summary>
/// Settings of the compute host, bound from <c>NeuroLab:Compute</c> (documented in the root appsettings.json).
/// </summary>
public sealed record ComputeOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "NeuroLab:Compute";

    /// <summary>Runs executed at the same time by this host.</summary>
    public int MaxConcurrentRuns { get; init; } = 1;

    /// <summary>
    /// False: this host only queues runs; another host sharing the database executes them. The queue service then
    /// neither claims nor recovers runs.
    /// </summary>
    public bool RunQueueEnabled { get; init; } = true;

    /// <summary>
    /// How often the queue looks for work when nothing signalled it (another process may have queued), and how often
    /// a running run checks its row for a cancel requested through another process.
    /// </summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Shortest interval between two progress events of one run (stage changes and the end always pass).</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How long a claimed run stays this host's without renewal. The host renews it every third of this while the run
    /// executes; a run whose lease has expired (its host died) is queued again by whichever host notices first.
    /// </summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>This host's name on the runs it claims; empty: machine name, process id and a random suffix.</summary>
    public string? HostId { get; init; }

    /// <summary>
    /// Who executes runs: <c>inprocess</c> (the default: this host's <see cref="RunQueue"/>) or <c>workers</c> (web
    /// instances only enqueue a Hangfire job per run; <c>src/NeuroLab.Worker</c> processes execute them; needs
    /// PostgreSQL).
    /// </summary>
    public string Mode { get; init; } = InProcessMode;

    /// <summary>The value of <see cref="Mode"/> where this host executes runs itself.</summary>
    public const string InProcessMode = "inprocess";

    /// <summary>The value of <see cref="Mode"/> where compute workers execute runs.</summary>
    public const string WorkersMode = "workers";

    /// <summary>True when <see cref="Mode"/> is <c>workers</c>.</summary>
    public bool UsesWorkers() => string.Equals(Mode, WorkersMode, StringComparison.OrdinalIgnoreCase);

    /// <summary>What is wrong with these settings (empty when they can be used).</summary>
    public IReadOnlyList<string> Problems()
    {
        List<string> problems = [];
        if (MaxConcurrentRuns < 1)
        {
            problems.Add($"{SectionName}:MaxConcurrentRuns must be at least 1.");
        }
        if (PollInterval <= TimeSpan.Zero)
        {
            problems.Add($"{SectionName}:PollInterval must be positive.");
        }
        if (ProgressInterval < TimeSpan.Zero)
        {
            problems.Add($"{SectionName}:ProgressInterval must not be negative.");
        }
        if (LeaseDuration < TimeSpan.FromSeconds(1))
        {
            problems.Add($"{SectionName}:LeaseDuration must be at least one second.");
        }
        if (HostId is { Length: > RunLease.MaxOwnerLength })
        {
            problems.Add($"{SectionName}:HostId must be at most {RunLease.MaxOwnerLength} characters.");
        }
        if (!string.Equals(Mode, InProcessMode, StringComparison.OrdinalIgnoreCase) && !UsesWorkers())
        {
            problems.Add($"{SectionName}:Mode must be '{InProcessMode}' or '{WorkersMode}'.");
        }
        return problems;
    }
}
