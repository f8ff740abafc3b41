using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using NeuroLab.Compute.RunKinds;
using NeuroLab.Data;
using NeuroLab.Data.Audit;
using NeuroLab.Data.Datasets;
using NeuroLab.Data.Runs;
using NeuroLab.Data.Workspaces;

namespace NeuroLab.Compute.Runs;

/// <summary>A run as listed and shown.</summary>
public sealed record RunSummary(
    Guid Id, Guid WorkspaceId, Guid? ExperimentId, Guid DatasetId, string Kind, RunStatus Status, string ParametersJson, int Seed,
    string? CodeVersion, string DatasetChecksum, string? ProgressJson, string? SummaryJson, string? Error, int Attempt,
    string CreatedBy, DateTime CreatedAtUtc, DateTime? StartedAtUtc, DateTime? FinishedAtUtc)
{
    /// <summary>The host (web instance or compute worker) that executes or last executed the run (its lease owner); null while queued.</summary>
    public string? ExecutedBy { get; init; }
}

/// <summary>A kind for a response set: its defaults for that data and what is wrong with them (empty: it fits).</summary>
public sealed record RunKindFit(IRunKind Kind, object? Defaults, IReadOnlyList<string> Problems)
{
    public bool Fits => Problems.Count == 0;
}

/// <summary>No such run (or experiment) among the caller's workspaces (API answers 404).</summary>
public sealed class RunNotFoundException(Guid id) : Exception($"Run or experiment {id} was not found.")
{
    public Guid Id { get; } = id;
}

/// <summary>
/// Submitting, reading and cancelling runs and experiments, scoped to workspace membership: Viewers read,
/// Editors and Owners submit and cancel.
/// </summary>
public sealed class RunService(IDbContextFactory<NeuroLabDbContext> dbFactory, WorkspaceService workspaces, RunKindRegistry kinds, IRunSignals signals, TimeProvider clock, NeuroLab.Data.Storage.ContentStore store,
    Workers.IRunDispatcher? dispatcher = null)
{
    /// <summary>Hands queued runs to this host's queue, or to compute workers in workers mode.</summary>
    private readonly Workers.IRunDispatcher _dispatcher = dispatcher ?? new Workers.InProcessRunDispatcher(signals);

    /// <summary>The run kinds this server runs.</summary>
    public RunKindRegistry Kinds => kinds;

    /// <summary>
    /// Creates an experiment on a dataset of <paramref name="workspaceId"/> (Editors and Owners). The caller's role is
    /// checked in that workspace first; a dataset of any other workspace is "not found", even one the caller may edit.
    /// </summary>
    public async Task<Experiment> CreateExperimentAsync(string userId, Guid workspaceId, Guid datasetId, string name, string? description, CancellationToken ct = default)
    {
        await workspaces.RequireRoleAsync(userId, workspaceId, WorkspaceRole.Editor, "creating experiments", ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var dataset = await db.Datasets.SingleOrDefaultAsync(d => d.Id == datasetId && d.WorkspaceId == workspaceId, ct) ?? throw new DatasetNotFoundException(datasetId);
        var experiment = new Experiment
        {
            WorkspaceId = workspaceId,
            DatasetId = datasetId,
            Name = DatasetService.ValidateName(name),
            Description = description?.Trim() is { Length: > 0 } d ? d : null,
            CreatedByUserId = userId,
            CreatedAtUtc = clock.GetUtcNow().UtcDateTime,
        };
        db.Experiments.Add(experiment);
        await db.SaveChangesAsync(ct);
        return experiment;
    }

    public async Task<IReadOnlyList<Experiment>> ListExperimentsAsync(string userId, Guid workspaceId, CancellationToken ct = default)
    {
        await workspaces.RequireRoleAsync(userId, workspaceId, WorkspaceRole.Viewer, "listing experiments", ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Experiments.Where(e => e.WorkspaceId == workspaceId).OrderByDescending(e => e.CreatedAtUtc).ToListAsync(ct);
    }

    public async Task<Experiment> GetExperimentAsync(string userId, Guid experimentId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var experiment = await db.Experiments.SingleOrDefaultAsync(e => e.Id == experimentId, ct) ?? throw new RunNotFoundException(experimentId);
        _ = await workspaces.GetRoleAsync(userId, experiment.WorkspaceId, ct) ?? throw new RunNotFoundException(experimentId);
        return experiment;
    }

    /// <summary>
    /// Validates and queues a run in <paramref name="workspaceId"/>. The caller's role is checked in that workspace
    /// first, and every id the run refers to (dataset, experiment, and through the job's validation the response set,
    /// files, pool dataset and earlier runs named in the parameters) must belong to it: an id of another workspace is
    /// "not found" even when the caller may edit that workspace, and nothing is queued or audited. Problems with
    /// parameters or data (mismatched stimulus counts, too few samples for the folds, missing features...) are
    /// reported before anything is queued.
    /// </summary>
    public async Task<RunSummary> SubmitAsync(string userId, Guid workspaceId, Guid datasetId, string kind, JsonElement parameters, Guid? experimentId = null, int? seed = null, CancellationToken ct = default)
    {
        await workspaces.RequireRoleAsync(userId, workspaceId, WorkspaceRole.Editor, "launching runs", ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var dataset = await db.Datasets.SingleOrDefaultAsync(d => d.Id == datasetId && d.WorkspaceId == workspaceId, ct) ?? throw new DatasetNotFoundException(datasetId);
        if (experimentId is { } e && !await db.Experiments.AnyAsync(x => x.Id == e && x.DatasetId == datasetId && x.WorkspaceId == workspaceId, ct))
        {
            throw new RunNotFoundException(e);
        }
        if (!kinds.TryGet(kind, out var job))
        {
            throw new RunValidationException([$"Unknown run kind '{kind}'. Known kinds: {string.Join(", ", kinds.Names)}."]) { UnknownValues = true };
        }
        var problems = await job.ValidateAsync(new RunSubmission(workspaceId, datasetId, job.Info.Name, parameters, userId), ct);
        if (problems.Count > 0)
        {
            throw new RunValidationException(problems);
        }
        var run = new Run
        {
            WorkspaceId = workspaceId,
            ExperimentId = experimentId,
            DatasetId = datasetId,
            Kind = job.Info.Name,
            ParametersJson = parameters.GetRawText(),
            Seed = seed ?? RandomNumberGenerator.GetInt32(int.MaxValue),
            DatasetChecksum = await DatasetChecksumAsync(db, datasetId, ct),
            CreatedByUserId = userId,
            CreatedAtUtc = clock.GetUtcNow().UtcDateTime,
        };
        db.Runs.Add(run);
        db.AuditEvents.Add(new AuditEvent { WorkspaceId = run.WorkspaceId, ActorUserId = userId, Action = "run.queued", Detail = $"{run.Kind} on {dataset.Name}", AtUtc = run.CreatedAtUtc });
        await db.SaveChangesAsync(ct);
        _dispatcher.Dispatch(run);
        return await GetAsync(userId, run.Id, ct);
    }

    /// <summary>
    /// The kinds that fit a response set of a dataset, or the dataset as a whole (Viewers and up may ask): each with the parameters a new run
    /// starts from (its defaults for this data) and what its validation finds wrong with them — empty when it fits, so
    /// the form offers it and the first START works. Nothing is queued. Another workspace's dataset or set is "not found".
    /// </summary>
    public async Task<IReadOnlyList<RunKindFit>> KindsForAsync(string userId, Guid datasetId, Guid? responseSetId = null, CancellationToken ct = default)
    {
        Guid workspaceId, setId;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            workspaceId = await db.Datasets.Where(d => d.Id == datasetId).Select(d => (Guid?)d.WorkspaceId).SingleOrDefaultAsync(ct) ?? throw new DatasetNotFoundException(datasetId);
            _ = await workspaces.GetRoleAsync(userId, workspaceId, ct) ?? throw new DatasetNotFoundException(datasetId);
            var sets = db.ResponseSets.Where(r => r.DatasetId == datasetId);
            setId = responseSetId is { } asked
                ? await sets.Where(r => r.Id == asked).Select(r => (Guid?)r.Id).SingleOrDefaultAsync(ct) ?? throw new DatasetNotFoundException(asked)
                : await sets.OrderBy(r => r.Name).Select(r => (Guid?)r.Id).FirstOrDefaultAsync(ct) ?? Guid.Empty;
        }
        var fits = new List<RunKindFit>();
        foreach (var kind in kinds.ForDatasets)
        {
            if (setId == Guid.Empty && kind.Info.Input == RunInput.ResponseSet)
            {
                fits.Add(new RunKindFit(kind, null, ["The dataset has no response set to fit."]));
                continue;
            }
            var defaults = await kind.DefaultsAsync(new RunDefaultsRequest(datasetId, setId == Guid.Empty ? null : setId), ct);
            var problems = await kind.ValidateAsync(new RunSubmission(workspaceId, datasetId, kind.Info.Name, kind.Serialize(defaults), userId), ct);
            fits.Add(new RunKindFit(kind, defaults, problems));
        }
        return fits;
    }

    public async Task<RunSummary> GetAsync(string userId, Guid runId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.Runs.SingleOrDefaultAsync(r => r.Id == runId, ct) ?? throw new RunNotFoundException(runId);
        _ = await workspaces.GetRoleAsync(userId, run.WorkspaceId, ct) ?? throw new RunNotFoundException(runId);
        return (await SummariesAsync(db, db.Runs.Where(r => r.Id == runId), ct)).Single();
    }

    /// <summary>Runs of a workspace, or of one experiment, newest first.</summary>
    public async Task<IReadOnlyList<RunSummary>> ListAsync(string userId, Guid workspaceId, Guid? experimentId = null, CancellationToken ct = default)
    {
        await workspaces.RequireRoleAsync(userId, workspaceId, WorkspaceRole.Viewer, "listing runs", ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = db.Runs.Where(r => r.WorkspaceId == workspaceId);
        if (experimentId is { } e)
        {
            query = query.Where(r => r.ExperimentId == e);
        }
        return [.. (await SummariesAsync(db, query, ct)).OrderByDescending(r => r.CreatedAtUtc)];
    }

    /// <summary>
    /// Cancels a run (Editors and Owners): a queued run stops at once, a running one at its next check. The request is
    /// recorded on the run's row, which the host executing it polls, so it works whichever process receives it.
    /// </summary>
    public async Task<RunSummary> CancelAsync(string userId, Guid runId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.Runs.SingleOrDefaultAsync(r => r.Id == runId, ct) ?? throw new RunNotFoundException(runId);
        var role = await workspaces.GetRoleAsync(userId, run.WorkspaceId, ct) ?? throw new RunNotFoundException(runId);
        if (role < WorkspaceRole.Editor)
        {
            throw new WorkspaceForbiddenException(role, WorkspaceRole.Editor, "cancelling runs");
        }
        if (!run.IsFinished)
        {
            run.CancelRequested = true;
            if (run.Status is RunStatus.Queued or RunStatus.Interrupted)
            {
                run.Status = RunStatus.Cancelled;
                run.FinishedAtUtc = clock.GetUtcNow().UtcDateTime;
            }
            db.AuditEvents.Add(new AuditEvent { WorkspaceId = run.WorkspaceId, ActorUserId = userId, Action = "run.cancelled", Detail = run.Kind, AtUtc = clock.GetUtcNow().UtcDateTime });
            await db.SaveChangesAsync(ct);
            signals.CancelRequested(runId);
        }
        return await GetAsync(userId, runId, ct);
    }

    public async Task<IReadOnlyList<RunLogEntry>> LogAsync(string userId, Guid runId, long afterId = 0, CancellationToken ct = default)
    {
        await GetAsync(userId, runId, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.RunLog.Where(l => l.RunId == runId && l.Id > afterId).OrderBy(l => l.Id).Take(5000).ToListAsync(ct);
    }

    public async Task<IReadOnlyList<RunArtifact>> ArtifactsAsync(string userId, Guid runId, CancellationToken ct = default)
    {
        var run = await GetAsync(userId, runId, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var artifacts = await db.RunArtifacts.AsNoTracking().Where(a => a.RunId == runId).OrderBy(a => a.Name).ToListAsync(ct);
        // Artifacts written before roles: the role their kind declares for the file name.
        if (kinds.TryGet(run.Kind, out var kind))
        {
            foreach (var a in artifacts.Where(a => a.Role.Length == 0))
            {
                a.Role = kind.Artifact(a.Name)?.Role.Name() ?? string.Empty;
            }
        }
        return artifacts;
    }

    /// <summary>An artifact the caller may read.</summary>
    public async Task<RunArtifact> ArtifactAsync(string userId, Guid artifactId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var artifact = await db.RunArtifacts.SingleOrDefaultAsync(a => a.Id == artifactId, ct) ?? throw new RunNotFoundException(artifactId);
        var run = await db.Runs.SingleAsync(r => r.Id == artifact.RunId, ct);
        _ = await workspaces.GetRoleAsync(userId, run.WorkspaceId, ct) ?? throw new RunNotFoundException(artifactId);
        return artifact;
    }

    /// <summary>Reads an array artifact (.npy) as float64 values, for charts.</summary>
    public async Task<double[]> ReadArrayArtifactAsync(string userId, Guid artifactId, CancellationToken ct = default)
    {
        var artifact = await ArtifactAsync(userId, artifactId, ct);
        await using var stream = store.OpenRead(artifact.Sha256);
        return NeuroLab.Formats.Numpy.NpyReader.Read(stream, artifact.Name).ToFloat64();
    }

    /// <summary>Reads an array artifact by name as (shape, float64 values in C order); null when the run has no such artifact.</summary>
    public async Task<(long[] Shape, double[] Values)?> ReadNamedArrayAsync(string userId, Guid runId, string name, CancellationToken ct = default) =>
        (await ReadArraysAsync(userId, runId, a => a.Name == name, ct)).Select(x => ((long[] Shape, double[] Values)?)(x.Shape, x.Values)).FirstOrDefault();

    /// <summary>Reads the array artifact of a role (e.g. the unit scores) as (shape, float64 values in C order); null when the run has none.</summary>
    public async Task<(long[] Shape, double[] Values)?> ReadArrayByRoleAsync(string userId, Guid runId, ArtifactRole role, CancellationToken ct = default) =>
        (await ReadArraysAsync(userId, runId, a => a.Role == role.Name(), ct)).Select(x => ((long[] Shape, double[] Values)?)(x.Shape, x.Values)).FirstOrDefault();

    /// <summary>
    /// Reads the run's .npy artifacts that <paramref name="select"/> picks, in name order, listing the run's artifacts
    /// once: each with its shape and float64 values in C order.
    /// </summary>
    public async Task<IReadOnlyList<(RunArtifact Artifact, long[] Shape, double[] Values)>> ReadArraysAsync(
        string userId, Guid runId, Func<RunArtifact, bool> select, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(select);
        var arrays = new List<(RunArtifact, long[], double[])>();
        foreach (var artifact in (await ArtifactsAsync(userId, runId, ct)).Where(a => a.Format == "npy" && select(a)))
        {
            await using var stream = store.OpenRead(artifact.Sha256);
            var array = NeuroLab.Formats.Numpy.NpyReader.Read(stream, artifact.Name).ToCOrder();
            arrays.Add((artifact, [.. array.Shape], array.ToFloat64()));
        }
        return arrays;
    }

    /// <summary>Reads a text artifact (CSV, JSON) by name, up to <paramref name="maxBytes"/>; null when the run has no such artifact or it is larger.</summary>
    public async Task<string?> ReadTextArtifactAsync(string userId, Guid runId, string name, long maxBytes = 16 << 20, CancellationToken ct = default)
    {
        var artifact = (await ArtifactsAsync(userId, runId, ct)).FirstOrDefault(a => a.Name == name);
        if (artifact is null || artifact.SizeBytes > maxBytes)
        {
            return null;
        }
        await using var stream = store.OpenRead(artifact.Sha256);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync(ct);
    }

    /// <summary>True when the user may watch the run (hub joins).</summary>
    public async Task<bool> CanWatchRunAsync(string userId, Guid runId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var workspace = await db.Runs.Where(r => r.Id == runId).Select(r => (Guid?)r.WorkspaceId).SingleOrDefaultAsync(ct);
        return workspace is { } w && await workspaces.GetRoleAsync(userId, w, ct) is not null;
    }

    /// <summary>True when the user may watch the experiment (hub joins).</summary>
    public async Task<bool> CanWatchExperimentAsync(string userId, Guid experimentId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var workspace = await db.Experiments.Where(e => e.Id == experimentId).Select(e => (Guid?)e.WorkspaceId).SingleOrDefaultAsync(ct);
        return workspace is { } w && await workspaces.GetRoleAsync(userId, w, ct) is not null;
    }

    /// <summary>SHA-256 over the dataset's file and array addresses in a stable order.</summary>
    internal static async Task<string> DatasetChecksumAsync(NeuroLabDbContext db, Guid datasetId, CancellationToken ct)
    {
        var files = await db.DatasetFiles.Where(f => f.DatasetId == datasetId).Select(f => f.Sha256).ToListAsync(ct);
        var arrays = await db.ResponseSets.Where(r => r.DatasetId == datasetId).Select(r => r.ArraySha256).ToListAsync(ct);
        var text = string.Join('\n', files.Order(StringComparer.Ordinal).Concat(arrays.Order(StringComparer.Ordinal)));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    private static async Task<List<RunSummary>> SummariesAsync(NeuroLabDbContext db, IQueryable<Run> runs, CancellationToken ct) =>
        await (from r in runs
               join u in db.Users on r.CreatedByUserId equals u.Id into users
               from u in users.DefaultIfEmpty()
               select new RunSummary(r.Id, r.WorkspaceId, r.ExperimentId, r.DatasetId, r.Kind, r.Status, r.ParametersJson, r.Seed, r.CodeVersion, r.DatasetChecksum,
                   r.ProgressJson, r.SummaryJson, r.Error, r.Attempt, u != null ? u.Email ?? u.UserName ?? "?" : "(deleted user)", r.CreatedAtUtc, r.StartedAtUtc, r.FinishedAtUtc)
               { ExecutedBy = r.LeaseOwner })
              .ToListAsync(ct);
}
