namespace NeuroLab.Data.Runs;

/// <summary>Where a run is in its life. Stored as lower-case text; the API uses the same words.</summary>
public enum RunStatus
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,

    /// <summary>The server stopped while the run was running; it is re-queued on start-up.</summary>
    Interrupted,
}

/// <summary>A named group of runs on one dataset, compared side by side.</summary>
public sealed class Experiment
{
    public Guid Id { get; set; } = Guid.NewGuid();

    public Guid WorkspaceId { get; set; }

    public Guid DatasetId { get; set; }

    public required string Name { get; set; }

    public string? Description { get; set; }

    public required string CreatedByUserId { get; set; }

    public DateTime CreatedAtUtc { get; set; } = DateTime.UtcNow;
}

/// <summary>
/// One execution of a job kind with parameters on a dataset, with everything needed to trust and repeat it:
/// seed, code version, the dataset's content checksum, timings, log and artifacts.
/// </summary>
public sealed class Run
{
    public Guid Id { get; set; } = Guid.NewGuid();

    public Guid WorkspaceId { get; set; }

    public Guid? ExperimentId { get; set; }

    public Guid DatasetId { get; set; }

    /// <summary>Job kind, e.g. "encoding-ridge".</summary>
    public required string Kind { get; set; }

    public required string ParametersJson { get; set; }

    public RunStatus Status { get; set; } = RunStatus.Queued;

    public int Seed { get; set; }

    /// <summary>NeuroLab version (assembly informational version) that executed the run.</summary>
    public string? CodeVersion { get; set; }

    /// <summary>SHA-256 over the dataset's file and array addresses at submission.</summary>
    public required string DatasetChecksum { get; set; }

    /// <summary>Last progress event as JSON (stage, step, total, metrics).</summary>
    public string? ProgressJson { get; set; }

    /// <summary>Result summary as JSON (e.g. mean test r).</summary>
    public string? SummaryJson { get; set; }

    public string? Error { get; set; }

    /// <summary>
    /// Someone asked to stop the run. Recorded here, not only signalled in-process, so the host executing the run
    /// observes it even when the request reached another process.
    /// </summary>
    public bool CancelRequested { get; set; }

    /// <summary>The compute host that claimed the run (machine, process and a random suffix); kept after it finishes.</summary>
    public string? LeaseOwner { get; set; }

    /// <summary>
    /// Until when <see cref="LeaseOwner"/> holds the run. The owner renews it while the run executes; once it has
    /// passed, another host may take the run over, and the former owner's writes are refused.
    /// </summary>
    public DateTime? LeaseExpiresAtUtc { get; set; }

    /// <summary>How many times the run has been started (re-queued runs count up).</summary>
    public int Attempt { get; set; }

    /// <summary>Content address of the latest training checkpoint, for resuming after an interruption.</summary>
    public string? CheckpointSha256 { get; set; }

    public required string CreatedByUserId { get; set; }

    public DateTime CreatedAtUtc { get; set; } = DateTime.UtcNow;

    public DateTime? StartedAtUtc { get; set; }

    public DateTime? FinishedAtUtc { get; set; }

    public bool IsFinished => Status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled;
}

/// <summary>One line of a run's log.</summary>
public sealed class RunLogEntry
{
    public long Id { get; set; }

    public Guid RunId { get; set; }

    public DateTime AtUtc { get; set; } = DateTime.UtcNow;

    /// <summary>info, warning or error.</summary>
    public required string Level { get; set; }

    public required string Message { get; set; }
}

/// <summary>A file a run produced (weights, predictions, scores, maps, tables), in the content store.</summary>
public sealed class RunArtifact
{
    public Guid Id { get; set; } = Guid.NewGuid();

    public Guid RunId { get; set; }

    /// <summary>File name offered on download, e.g. "test_r.npy".</summary>
    public required string Name { get; set; }

    /// <summary>array, map, table, image or json.</summary>
    public required string Kind { get; set; }

    /// <summary>npy, nii.gz, csv, png or json.</summary>
    public required string Format { get; set; }

    /// <summary>
    /// What the artifact is for, as its run kind declares it: unit-scores, unit-values, volume-map, table, image-set,
    /// checkpoint, matrix or document. Pages find artifacts by role; empty for artifacts written before roles.
    /// </summary>
    public string Role { get; set; } = string.Empty;

    public required string Sha256 { get; set; }

    public long SizeBytes { get; set; }

    public string? ShapeJson { get; set; }

    public DateTime CreatedAtUtc { get; set; } = DateTime.UtcNow;
}
