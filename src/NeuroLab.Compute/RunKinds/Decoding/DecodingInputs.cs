using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using NeuroLab.Analysis.Decoding;
using NeuroLab.Data;
using NeuroLab.Data.Datasets;
using NeuroLab.Data.Storage;
using NeuroLab.Formats;
using NeuroLab.Formats.Numpy;

namespace NeuroLab.Compute.RunKinds.Decoding;

/// <summary>
/// What a decoding run reads: the response set(s), each stimulus's class, and the samples. With single trials, every
/// trial is a sample labelled with its stimulus's class (the stimulus's label, else its name: Haxby's conditions), its
/// group the repeat (the run, for GLM betas); without trials, each stimulus row is a sample labelled by its label, in
/// groups by the order of appearance within its class (stratified folds).
/// </summary>
public static partial class DecodingInputs
{
    /// <summary>Most groups of a response set without trials (its stimuli dealt into folds class by class).</summary>
    public const int FoldsWithoutTrials = 5;

    /// <summary>Fewest units of a default "vt" set.</summary>
    public const int MinDefaultUnits = 10;

    /// <summary>The response sets of a dataset, by name, each with the file its voxel coordinates refer to (a mask, for a mask's set).</summary>
    public static async Task<List<(ResponseSet Set, DatasetFile? Reference)>> SetsAsync(NeuroLabDbContext db, Guid datasetId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var sets = await db.ResponseSets.AsNoTracking().Where(r => r.DatasetId == datasetId).ToListAsync(ct);
        var fileIds = sets.Where(s => s.ReferenceFileId is not null).Select(s => s.ReferenceFileId!.Value).ToList();
        var files = await db.DatasetFiles.AsNoTracking().Where(f => fileIds.Contains(f.Id)).ToDictionaryAsync(f => f.Id, ct);
        return [.. sets.OrderBy(s => s.Name, StringComparer.Ordinal).Select(s => (s, s.ReferenceFileId is { } id ? files.GetValueOrDefault(id) : null))];
    }

    /// <summary>The set a run decodes: the one named, else one named like "vt" with at least <see cref="MinDefaultUnits"/> units, else the set with trials with the most units, else the first with trials, else the first.</summary>
    public static (ResponseSet Set, DatasetFile? Reference)? Chosen(IReadOnlyList<(ResponseSet Set, DatasetFile? Reference)> sets, Guid responseSetId)
    {
        ArgumentNullException.ThrowIfNull(sets);
        if (responseSetId != Guid.Empty)
        {
            return sets.Where(s => s.Set.Id == responseSetId).Select(s => ((ResponseSet, DatasetFile?)?)s).FirstOrDefault();
        }
        // A VT set of a coarse copy can hold a single voxel (Haxby's 25 mm copy): then the set with trials and the most units.
        return sets.Where(s => VentralTemporal().IsMatch(s.Set.Name) && s.Set.UnitCount >= MinDefaultUnits)
            .Concat(sets.Where(s => s.Set.TrialsSha256 is not null).OrderByDescending(s => s.Set.UnitCount)).Concat(sets)
            .Select(s => ((ResponseSet, DatasetFile?)?)s).FirstOrDefault();
    }

    /// <summary>The sets made from the dataset's masks (regions = all-masks), each with its region name (the mask file's name without extension).</summary>
    public static List<(ResponseSet Set, DatasetFile? Reference, string Region)> MaskSets(IReadOnlyList<(ResponseSet Set, DatasetFile? Reference)> sets) =>
        [.. sets.Where(s => s.Reference is { Role: FileRole.Mask }).Select(s => (s.Set, s.Reference, RegionName(s.Set, s.Reference)))];

    /// <summary>A set's region name: its mask file's name without extension, else the set's name.</summary>
    public static string RegionName(ResponseSet set, DatasetFile? reference)
    {
        ArgumentNullException.ThrowIfNull(set);
        return reference is { Role: FileRole.Mask } ? Path.GetFileName(reference.FileName).Split('.')[0] : set.Name;
    }

    /// <summary>Each stimulus's class: its label, else (single trials only) its name; null where there is none.</summary>
    public static string?[] StimulusClasses(IReadOnlyList<(string Name, string? Label)> stimuli, bool hasTrials)
    {
        ArgumentNullException.ThrowIfNull(stimuli);
        return [.. stimuli.Select(s => s.Label ?? (hasTrials ? s.Name : null))];
    }

    /// <summary>The classes in order of first appearance.</summary>
    public static string[] ClassesOf(IEnumerable<string?> stimulusClasses) => [.. stimulusClasses.OfType<string>().Distinct(StringComparer.Ordinal)];

    /// <summary>
    /// The samples of <paramref name="set"/>: single trials (3-D [repeats, stimuli, units], or 2-D [trials, units] with
    /// each trial's stimulus) or the stimulus rows; only the samples of <paramref name="classes"/>, labelled in that order.
    /// </summary>
    public static async Task<DecodingSamples> ReadAsync(ContentStore store, ResponseSet set, IReadOnlyList<string?> stimulusClass, string[] classes, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(stimulusClass);
        NumericArray array;
        await using (var stream = store.OpenRead(set.TrialsSha256 ?? set.ArraySha256))
        {
            array = NpyReader.Read(stream, set.TrialsSha256 is null ? "responses.npy" : "trials.npy").ToCOrder();
        }
        var values = array.ToFloat64();
        int units = (int)array.Shape[^1];
        var rows = new List<(int Row, int Stimulus, int Group)>();
        if (set.TrialsSha256 is not null && array.Shape.Count == 3)
        {
            int repeats = (int)array.Shape[0], count = (int)array.Shape[1];
            for (int r = 0; r < repeats; r++)
            {
                for (int s = 0; s < count; s++)
                {
                    rows.Add((r * count + s, s, r));
                }
            }
        }
        else
        {
            int[] stimulusOf = set.TrialsSha256 is not null && set.TrialStimulusJson is { } json
                ? JsonSerializer.Deserialize<int[]>(json)!
                : [.. Enumerable.Range(0, (int)array.Shape[0])];
            var seen = new Dictionary<string, int>(StringComparer.Ordinal);
            var repeatOf = new Dictionary<int, int>();
            var classCounts = stimulusOf.Select(s => stimulusClass[s]).OfType<string>().GroupBy(c => c, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            int folds = Math.Min(FoldsWithoutTrials, classCounts.Count == 0 ? 1 : classCounts.Values.Min());
            for (int i = 0; i < stimulusOf.Length; i++)
            {
                int s = stimulusOf[i];
                int group;
                if (set.TrialsSha256 is not null)
                {
                    // Repeats as groups: the k-th trial of a stimulus belongs to repeat k.
                    group = repeatOf[s] = repeatOf.GetValueOrDefault(s, -1) + 1;
                }
                else
                {
                    var c = stimulusClass[s] ?? "";
                    int k = seen[c] = seen.GetValueOrDefault(c, -1) + 1;
                    group = k % Math.Max(folds, 1);
                }
                rows.Add((i, s, group));
            }
        }
        var index = classes.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
        var kept = rows.Where(r => stimulusClass[r.Stimulus] is { } c && index.ContainsKey(c)).ToList();
        var x = new double[kept.Count * units];
        for (int i = 0; i < kept.Count; i++)
        {
            Array.Copy(values, (long)kept[i].Row * units, x, (long)i * units, units);
        }
        return new DecodingSamples(x, kept.Count, units, [.. kept.Select(r => index[stimulusClass[r.Stimulus]!])], [.. kept.Select(r => r.Group)], classes);
    }

    [GeneratedRegex(@"(?<![a-z])vt(?![a-z])|ventral.?temporal", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex VentralTemporal();
}
