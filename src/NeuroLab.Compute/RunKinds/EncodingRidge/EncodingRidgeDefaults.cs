using Microsoft.EntityFrameworkCore;
using NeuroLab.Data;
using NeuroLab.Data.Datasets;
using NeuroLab.Data.Storage;
using NeuroLab.Formats.Numpy;

namespace NeuroLab.Compute.RunKinds.EncodingRidge;

/// <summary>
/// What the defaults of a run depend on: the dataset's stimuli (images, labels, train/test marks), its uploaded
/// feature matrices, and the chosen response set (units, repeats of single trials).
/// </summary>
/// <param name="Stimuli">Stimuli of the dataset.</param>
/// <param name="WithImages">Stimuli that have an image.</param>
/// <param name="Labelled">Stimuli that have a label.</param>
/// <param name="DistinctLabels">Distinct labels among them.</param>
/// <param name="MarkedTrain">Stimuli marked "train".</param>
/// <param name="MarkedTest">Stimuli marked "test".</param>
/// <param name="Units">Units of the response set.</param>
/// <param name="Repeats">Repeats of the response set's single trials; null when it has none.</param>
/// <param name="FeatureFileId">The first file of the dataset with the role Features, if any.</param>
public sealed record RunDefaultFacts(
    int Stimuli, int WithImages, int Labelled, int DistinctLabels, int MarkedTrain, int MarkedTest, int Units, int? Repeats, Guid? FeatureFileId);

/// <summary>
/// The defaults of the new-run form as a function of the chosen dataset and response set, in one place: the form
/// starts from them and the tests submit them for every sample of the catalogue, so the first START fits the data.
/// </summary>
public static class EncodingRidgeDefaults
{
    /// <summary>CV folds when the data allow them.</summary>
    public const int PreferredFolds = 5;

    /// <summary>Permutations of the significance test when the units allow them.</summary>
    public const int PreferredPermutations = 1000;

    /// <summary>Working resolution of image features.</summary>
    public const int PreferredImageSize = 64;

    /// <summary>
    /// Parameters that validate on these data: features the stimuli can provide (Gabor when every stimulus has an
    /// image, else one-hot labels when every stimulus is labelled with at least two categories, else an uploaded
    /// feature matrix); the dataset's train/test marks when it has both, else a random split; and, when there are no
    /// marks but the response set has single trials repeated often enough, single trials split by repeat (e.g.
    /// Haxby's per-run GLM betas, where the 8 conditions are the only "stimuli"). Folds and permutations shrink to
    /// what the samples and units allow.
    /// </summary>
    public static EncodingRidgeParameters For(Guid responseSetId, RunDefaultFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        bool images = facts.Stimuli > 0 && facts.WithImages == facts.Stimuli;
        bool labels = facts.Stimuli > 0 && facts.Labelled == facts.Stimuli && facts.DistinctLabels >= 2;
        string features = images ? "gabor" : labels ? "labels" : "file";
        bool marked = facts.MarkedTrain > 0 && facts.MarkedTest > 0;
        string split = marked ? "dataset" : "random";
        int trainRepeats = facts.Repeats is { } r ? r - EncodingRidgeParameters.DefaultTestRepeats(r) : 0;
        bool trials = !marked && trainRepeats >= 2;
        int trainSamples = trials ? trainRepeats
            : marked ? facts.MarkedTrain / 2
            : (int)Math.Floor(facts.Stimuli * (1 - new EncodingRidgeParameters().TestFraction) / 2);
        return new EncodingRidgeParameters
        {
            ResponseSetId = responseSetId,
            Features = features,
            FeatureFileId = features == "file" ? facts.FeatureFileId : null,
            ImageSize = images ? PreferredImageSize : null,
            Split = split,
            Samples = trials ? "trials" : "stimuli",
            Folds = Math.Clamp(trainSamples, 2, PreferredFolds),
            Permutations = (int)Math.Min(PreferredPermutations, EncodingRidgeParameters.MaxPermutationWork / Math.Max(1, facts.Units)),
        };
    }

    /// <summary>The defaults for a dataset and response set as stored (the caller has checked the user may read the dataset).</summary>
    /// <exception cref="InvalidOperationException">The response set is not part of the dataset.</exception>
    public static async Task<EncodingRidgeParameters> ForAsync(IDbContextFactory<NeuroLabDbContext> dbFactory, ContentStore store, Guid datasetId, Guid responseSetId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(dbFactory);
        ArgumentNullException.ThrowIfNull(store);
        return For(responseSetId, await FactsAsync(dbFactory, store, datasetId, responseSetId, ct));
    }

    /// <summary>Reads the facts the defaults depend on.</summary>
    public static async Task<RunDefaultFacts> FactsAsync(IDbContextFactory<NeuroLabDbContext> dbFactory, ContentStore store, Guid datasetId, Guid responseSetId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(dbFactory);
        ArgumentNullException.ThrowIfNull(store);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var set = await db.ResponseSets.SingleOrDefaultAsync(r => r.Id == responseSetId && r.DatasetId == datasetId, ct)
            ?? throw new InvalidOperationException($"Response set {responseSetId} is not part of dataset {datasetId}.");
        var stimuli = await db.Stimuli.Where(s => s.DatasetId == datasetId).Select(s => new { HasImage = s.ImageSha256 != null, s.Label, s.Split }).ToListAsync(ct);
        var featureFile = await db.DatasetFiles.Where(f => f.DatasetId == datasetId && f.Role == FileRole.Features).OrderBy(f => f.FileName).Select(f => (Guid?)f.Id).FirstOrDefaultAsync(ct);
        int? repeats = null;
        if (set.TrialsSha256 is not null)
        {
            await using var stream = store.OpenRead(set.TrialsSha256);
            repeats = (int)NpyReader.ReadHeader(stream, "trials.npy").Shape[0];
        }
        var labelled = stimuli.Where(s => !string.IsNullOrWhiteSpace(s.Label)).ToList();
        return new RunDefaultFacts(
            stimuli.Count, stimuli.Count(s => s.HasImage), labelled.Count, labelled.Select(s => s.Label).Distinct().Count(),
            stimuli.Count(s => s.Split == "train"), stimuli.Count(s => s.Split == "test"), set.UnitCount, repeats, featureFile);
    }
}
