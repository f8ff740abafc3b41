using NeuroLab.Analysis.Glm;
using NeuroLab.Data.Datasets;
using NeuroLab.Formats;
using NeuroLab.Formats.Nifti;
using NeuroLab.Formats.Tabular;
using TorchSharp;

namespace NeuroLab.Compute.Datasets;

public static partial class SampleRecipes
{
    /// <summary>Haxby 2001: no images or matrices, only runs, events and masks; the GLM makes the response sets.</summary>
    private static async Task<DerivedData> HaxbyAsync(RecipeContext context)
    {
        var derived = await GenericAsync(context);
        if (derived.ResponseSets.Count == 0)
        {
            throw new DatasetImportException("The Haxby sample produced no response set.", []);
        }
        return derived;
    }

    /// <summary>
    /// When the dataset has 4-D runs with events: fits a first-level GLM per run (SPM canonical HRF, cosine
    /// drift at 1/128 Hz, constant) over the voxels of the union of the masks (or of voxels with signal when
    /// there is no mask), averages the betas over runs (fixed effects), and makes one response set
    /// [conditions, voxels] per mask, with the conditions as stimuli. The per-run betas become the set's single
    /// trials [runs, conditions, voxels]: its noise ceiling, and the samples of trial-level fits split by run.
    /// </summary>
    private static async Task AddGlmAsync(RecipeContext context, DerivedData derived)
    {
        var runs = context.WithRole(FileRole.Run);
        var events = context.WithRole(FileRole.Events);
        if (runs.Count == 0)
        {
            if (events.Count > 0)
            {
                throw new DatasetImportException("Events without runs.", [.. events.Select(e => new FileProblem(e.Name, "this events file has no 4-D run to go with; give the run the same run number."))]);
            }
            return;
        }
        if (derived.Stimuli.Count > 0)
        {
            throw new DatasetImportException("Runs and stimulus files in one dataset.", [new FileProblem(runs[0].Name, "a dataset with 4-D runs gets its stimuli (the conditions) from the GLM; import stimulus images or response matrices as a separate dataset.")]);
        }
        var pairs = PairRunsWithEvents(runs, events);
        var first = NiftiReader.ReadHeader(context.PathOf(runs[0]));
        long[] grid = [.. first.Shape.Take(3)];
        var masks = context.WithRole(FileRole.Mask);
        var maskVoxels = new List<(ImportedFile File, HashSet<long> Voxels)>();
        foreach (var mask in masks)
        {
            var image = NiftiReader.Read(context.PathOf(mask));
            if (!image.Header.Shape.Take(3).SequenceEqual(grid))
            {
                throw new DatasetImportException("Mask grid differs from the runs.", [new FileProblem(mask.Name, $"mask is {string.Join("x", image.Header.Shape.Take(3))} but the runs are {string.Join("x", grid)}; resample it to the run grid.")]);
            }
            var voxels = new HashSet<long>();
            for (long v = 0; v < image.Data.Length; v++)
            {
                if (image.Data.GetDouble(v) != 0)
                {
                    voxels.Add(v);
                }
            }
            maskVoxels.Add((mask, voxels));
        }

        // Conditions in first-appearance order over runs, so columns line up across runs.
        var conditions = new List<string>();
        var runEvents = new List<List<TaskEvent>>();
        foreach (var (_, eventsFile) in pairs)
        {
            var table = BidsEventsReader.Read(context.PathOf(eventsFile));
            var list = new List<TaskEvent>();
            foreach (var e in table.Events)
            {
                if (e.TrialType is null)
                {
                    throw new DatasetImportException("Events need trial_type.", [new FileProblem(eventsFile.Name, $"line {e.LineNumber}: no trial_type, so the GLM cannot tell the conditions apart.")]);
                }
                if (!conditions.Contains(e.TrialType))
                {
                    conditions.Add(e.TrialType);
                }
                list.Add(new TaskEvent(e.Onset, e.Duration ?? 0, e.TrialType));
            }
            runEvents.Add(list);
        }

        // Voxels modelled: the union of the masks, or every voxel with signal in the first run.
        long[] selected;
        if (maskVoxels.Count > 0)
        {
            selected = [.. maskVoxels.SelectMany(m => m.Voxels).Distinct().Order()];
        }
        else
        {
            var image = NiftiReader.Read(context.PathOf(runs[0]));
            long perVolume = grid.Aggregate(1L, (a, b) => a * b);
            var values = image.ScaledFloat64();
            int scans = (int)(image.Data.Length / perVolume);
            selected = [.. Enumerable.Range(0, (int)perVolume).Select(v => (long)v).Where(v => Enumerable.Range(0, scans).Average(t => values[t * perVolume + v]) > 0)];
        }
        if (selected.Length == 0)
        {
            throw new DatasetImportException("No voxels to model.", [new FileProblem(masks.FirstOrDefault()?.Name ?? runs[0].Name, "the mask is empty (no non-zero voxels).")]);
        }

        int done = 0;
        IEnumerable<(torch.Tensor Bold, DesignMatrix Design)> LoadRuns()
        {
            foreach (var ((run, eventsFile), list) in pairs.Zip(runEvents))
            {
                context.Cancellation.ThrowIfCancellationRequested();
                context.Progress?.Report(new ImportProgress("Fitting the GLM", done++, pairs.Count, run.Name));
                var image = NiftiReader.Read(context.PathOf(run));
                var h = image.Header;
                if (!h.Shape.Take(3).SequenceEqual(grid) || h.Shape.Count < 4)
                {
                    throw new DatasetImportException("Runs differ in grid.", [new FileProblem(run.Name, $"run is {string.Join("x", h.Shape)}; every run must share the {string.Join("x", grid)} grid of {runs[0].Name}.")]);
                }
                var tr = h.RepetitionTimeSeconds ?? throw new DatasetImportException("No TR.", [new FileProblem(run.Name, "the header has no repetition time (pixdim[4]); the GLM needs it.")]);
                int scans = (int)h.Shape[3];
                long perVolume = grid.Aggregate(1L, (a, b) => a * b);
                var values = image.ScaledFloat64();
                var bold = new float[scans * selected.Length];
                for (int t = 0; t < scans; t++)
                {
                    for (int v = 0; v < selected.Length; v++)
                    {
                        bold[t * selected.Length + v] = (float)values[t * perVolume + selected[v]];
                    }
                }
                DesignMatrix design;
                try
                {
                    design = DesignMatrix.Build(DesignMatrix.FrameTimes(scans, tr), list, conditions, drift: DriftModel.Cosine(), includeEmptyConditions: true);
                }
                catch (ArgumentException e)
                {
                    throw new DatasetImportException("Bad design.", [new FileProblem(eventsFile.Name, e.Message)]);
                }
                yield return (torch.tensor(bold, [scans, selected.Length]), design);
            }
        }

        float[] betas;
        float[][] runBetas;
        using (var fit = MultiRunGlm.Fit(LoadRuns(), conditions))
        {
            betas = fit.Betas.to_type(torch.ScalarType.Float32).data<float>().ToArray();
            runBetas = [.. fit.RunBetas.Select(b => b.to_type(torch.ScalarType.Float32).data<float>().ToArray())];
        }
        // Per-run betas are the single trials [runs, conditions, voxels] of each set (noise ceiling, trial-level fits
        // split by run); kept only when every run estimates every condition, since a trial cannot be missing.
        bool completeRuns = runBetas.Length >= 2 && runBetas.All(b => b.All(float.IsFinite));
        derived.Stimuli.AddRange(conditions.Select(c => new DerivedStimulus(c, Label: c)));
        var coordinates = selected.Select(v => new[] { (int)(v % grid[0]), (int)(v / grid[0] % grid[1]), (int)(v / (grid[0] * grid[1])) }).ToArray();
        var sets = maskVoxels.Count > 0 ? maskVoxels : [(runs[0], new HashSet<long>(selected))];
        foreach (var (file, voxels) in sets)
        {
            var columns = Enumerable.Range(0, selected.Length).Where(i => voxels.Contains(selected[i])).ToArray();
            var values = new double[conditions.Count * columns.Length];
            for (int c = 0; c < conditions.Count; c++)
            {
                for (int k = 0; k < columns.Length; k++)
                {
                    values[c * columns.Length + k] = betas[c * selected.Length + columns[k]];
                }
            }
            var name = maskVoxels.Count > 0 ? $"GLM betas, {Path.GetFileName(file.Name).Split('.')[0]} mask" : "GLM betas, voxels with signal";
            var set = await ResponseSetAsync(context, name, new NumericArray(NumericType.Float64, [conditions.Count, columns.Length], values),
                conditions.Count, UnitKind.Voxel, "glm", file, [.. columns.Select(i => coordinates[i])], file);
            if (completeRuns)
            {
                var excluded = set.ExcludedUnits.ToHashSet();
                var kept = columns.Where((_, k) => !excluded.Contains(k)).ToArray();
                var trials = new float[(long)runBetas.Length * conditions.Count * kept.Length];
                for (int r = 0; r < runBetas.Length; r++)
                {
                    for (int c = 0; c < conditions.Count; c++)
                    {
                        for (int k = 0; k < kept.Length; k++)
                        {
                            trials[((long)r * conditions.Count + c) * kept.Length + k] = runBetas[r][c * selected.Length + kept[k]];
                        }
                    }
                }
                set = set with { TrialsSha256 = await context.StoreArrayAsync(new NumericArray(NumericType.Float32, [runBetas.Length, conditions.Count, kept.Length], trials)) };
            }
            derived.ResponseSets.Add(set);
        }
    }

    private static List<(ImportedFile Run, ImportedFile Events)> PairRunsWithEvents(IReadOnlyList<ImportedFile> runs, IReadOnlyList<ImportedFile> events)
    {
        var pairs = new List<(ImportedFile, ImportedFile)>();
        bool numbered = runs.All(r => r.Source.RunIndex is not null) && events.All(e => e.Source.RunIndex is not null);
        foreach (var (run, i) in runs.Select((r, i) => (r, i)))
        {
            var match = numbered ? events.FirstOrDefault(e => e.Source.RunIndex == run.Source.RunIndex) : events.Count == runs.Count ? events[i] : null;
            if (match is null)
            {
                throw new DatasetImportException("A run has no events.", [new FileProblem(run.Name, $"no events file for run {run.Source.RunIndex?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)}; give each run and its events the same run number.")]);
            }
            pairs.Add((run, match));
        }
        return pairs;
    }
}
