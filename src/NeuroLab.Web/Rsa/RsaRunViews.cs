using System.Collections.Concurrent;
using System.Globalization;
using NeuroLab.Analysis.Rsa;
using NeuroLab.Compute.Events;
using NeuroLab.Compute.RunKinds;
using NeuroLab.Compute.RunKinds.Rsa;
using NeuroLab.Compute.Runs;
using NeuroLab.Data.Datasets;

namespace NeuroLab.Web.Rsa;

/// <summary>
/// A finished rsa run as its pages show it: the summary, every RDM (condensed, by name), the dataset's stimuli in RDM
/// order (names, labels, thumbnails) and the MDS embeddings the run wrote.
/// </summary>
public sealed record RsaRunView(
    RsaSummary Summary, IReadOnlyDictionary<string, double[]> Rdms, int Conditions, IReadOnlyList<StimulusSummary> Stimuli,
    IReadOnlyDictionary<string, double[]> Mds)
{
    /// <summary>CKA between feature-space and response-set patterns (cka.csv), when the run had both.</summary>
    public IReadOnlyList<(string Model, string Brain, string Kind, double Value)> Cka { get; init; } = [];

    /// <summary>Every RDM name: brains first, then models.</summary>
    public IEnumerable<string> Names => Summary.Brains.Concat(Summary.Models).Select(r => r.Name);

    /// <summary>The stimulus order that groups categories: by label (stable within a label), unlabelled last.</summary>
    public int[] CategoryOrder() =>
        [.. Enumerable.Range(0, Conditions).OrderBy(i => i < Stimuli.Count ? Stimuli[i].Label ?? "\uffff" : "\uffff", StringComparer.Ordinal).ThenBy(i => i)];

    /// <summary>
    /// The comparisons of every model with one brain after the tRSA transform of both RDMs (Lin &amp; Kriegeskorte 2023),
    /// in the order of <see cref="RsaSummary.Models"/>.
    /// </summary>
    public double[] Trsa(string brain, string method, TrsaState state)
    {
        var data = TopologicalRsa.Transform(Rdms[brain], state.Lower, state.Upper, state.Geodesic);
        var models = Summary.Models.Select(m => TopologicalRsa.Transform(Rdms[m.Name], state.Lower, state.Upper, state.Geodesic)).ToList();
        return RdmComparison.Compare(models, data, RsaChoices.Method(method));
    }

    /// <summary>
    /// The layer x region matrix: every model (rows) against every column RDM by <paramref name="method"/>; brains'
    /// values are the run's own, other columns (model RDMs used as regions) are computed here.
    /// </summary>
    public double[][] Matrix(string method, IReadOnlyList<string> columns)
    {
        var rows = Summary.Models.Select(m => m.Name).ToList();
        var modelRdms = rows.Select(r => Rdms[r]).ToList();
        var matrix = rows.Select(_ => new double[columns.Count]).ToArray();
        for (int c = 0; c < columns.Count; c++)
        {
            var computed = Summary.Brains.Any(b => b.Name == columns[c])
                ? [.. rows.Select(r => Summary.Comparisons.FirstOrDefault(x => x.Model == r && x.Brain == columns[c] && x.Method == method)?.Value ?? double.NaN)]
                : RdmComparison.Compare(modelRdms, Rdms[columns[c]], RsaChoices.Method(method));
            for (int r = 0; r < rows.Count; r++)
            {
                matrix[r][c] = computed[r];
            }
        }
        return matrix;
    }
}

/// <summary>tRSA thresholds as a run's viewers share them: who moved them last, and from which page (its echo is ignored there).</summary>
public sealed record TrsaState(double Lower, double Upper, bool Geodesic, string? By = null, Guid Origin = default);

/// <summary>Loads rsa runs for the pages (scoped: it reads as the circuit's user).</summary>
public sealed class RsaRunViews(RunService runs, DatasetService datasets, RunKindRegistry kinds)
{

    /// <summary>The finished run's view; null while it has no summary.</summary>
    public async Task<RsaRunView?> LoadAsync(string userId, RunSummary run, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (!kinds.TryGet(run.Kind, out var kind) || kind.ReadSummary(run.SummaryJson) is not RsaSummary summary)
        {
            return null;
        }
        var files = summary.Brains.Concat(summary.Models).ToDictionary(r => r.File, r => r.Name, StringComparer.Ordinal);
        var rdms = new Dictionary<string, double[]>(StringComparer.Ordinal);
        foreach (var (artifact, shape, values) in await runs.ReadArraysAsync(userId, run.Id, a => files.ContainsKey(a.Name), ct))
        {
            rdms[files[artifact.Name]] = Rdm.Condense(values, (int)shape[0]);
        }
        var stimuli = await datasets.ListStimuliAsync(userId, run.DatasetId, 0, summary.Stimuli, ct);
        var mds = new Dictionary<string, double[]>(StringComparer.Ordinal);
        if (await runs.ReadTextArtifactAsync(userId, run.Id, RsaArtifacts.Mds.FileName, ct: ct) is { } text)
        {
            foreach (var group in text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(ParseMdsRow).Where(r => r is not null).GroupBy(r => r!.Value.Rdm))
            {
                var points = new double[summary.Stimuli * 2];
                foreach (var (_, index, x, y) in group.Select(r => r!.Value).Where(r => r.Index < summary.Stimuli))
                {
                    (points[2 * index], points[(2 * index) + 1]) = (x, y);
                }
                mds[group.Key] = points;
            }
        }
        var cka = new List<(string, string, string, double)>();
        if (await runs.ReadTextArtifactAsync(userId, run.Id, RsaArtifacts.Cka.FileName, ct: ct) is { } ckaText)
        {
            foreach (var line in ckaText.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1))
            {
                // model,brain,kind,value — feature-space and response-set names hold no commas in practice; quoted ones are skipped.
                var cells = line.TrimEnd('\r').Split(',');
                if (cells.Length == 4 && double.TryParse(cells[3], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                {
                    cka.Add((cells[0], cells[1], cells[2], value));
                }
            }
        }
        return new RsaRunView(summary, rdms, summary.Stimuli, stimuli, mds) { Cka = cka };
    }

    private static (string Rdm, int Index, double X, double Y)? ParseMdsRow(string line)
    {
        // rdm,index,x,y — the name may be quoted (it may hold commas); the three numbers are the last fields.
        var last = line.TrimEnd('\r').Split(',');
        if (last.Length < 4)
        {
            return null;
        }
        var name = string.Join(',', last[..^3]);
        if (name.Length >= 2 && name[0] == '"' && name[^1] == '"')
        {
            name = name[1..^1].Replace("\"\"", "\"", StringComparison.Ordinal);
        }
        return int.TryParse(last[^3], NumberStyles.Integer, CultureInfo.InvariantCulture, out var index)
            && double.TryParse(last[^2], NumberStyles.Float, CultureInfo.InvariantCulture, out var x)
            && double.TryParse(last[^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var y)
            ? (name, index, x, y) : null;
    }
}

/// <summary>
/// The tRSA thresholds of each rsa run as everyone watching it shares them (a page that opens later starts from them):
/// moving them publishes <see cref="TrsaChanged"/> to the workspace. Each server process keeps the last thresholds it
/// heard, its own and — with several instances (NeuroLab:Events:Redis) — the other instances' moves.
/// </summary>
public sealed class RsaThresholds : IDisposable
{
    /// <summary>The workspace event a tRSA change publishes (<see cref="WorkspaceEvent.Data"/>: the <see cref="TrsaState"/>).</summary>
    public const string TrsaChanged = "rsa.trsa";

    private readonly ConcurrentDictionary<Guid, TrsaState> _thresholds = new();
    private readonly IWorkspaceEventBus _bus;
    private readonly IDisposable _subscription;

    public RsaThresholds(IWorkspaceEventBus bus)
    {
        _bus = bus;
        _subscription = bus.Subscribe(e =>
        {
            if (e.Type == TrsaChanged && e.RunId is { } run && e.Data is TrsaState state)
            {
                _thresholds[run] = state;
            }
            return Task.CompletedTask;
        });
    }

    public void Dispose() => _subscription.Dispose();

    /// <summary>The thresholds everyone watching <paramref name="runId"/> sees (the run's own until someone moves them).</summary>
    public TrsaState For(Guid runId, TrsaState runDefault) => _thresholds.GetValueOrDefault(runId, runDefault);

    /// <summary>Moves the shared thresholds of a run and tells everyone watching it (the caller may read the run).</summary>
    public void Set(Guid workspaceId, Guid runId, TrsaState state, string userId, string actor)
    {
        ArgumentNullException.ThrowIfNull(state);
        var shared = state with { By = actor };
        _thresholds[runId] = shared;
        _bus.Publish(new WorkspaceEvent { WorkspaceId = workspaceId, Type = TrsaChanged, RunId = runId, TargetKey = $"run:{runId:N}", ActorUserId = userId, Actor = actor, Data = shared });
    }
}
