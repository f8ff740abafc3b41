using NeuroLab.Data.Datasets;
using NeuroLab.Formats;
using NeuroLab.Formats.Images;
using NeuroLab.Formats.Matlab;
using NeuroLab.Formats.Numpy;
using NeuroLab.Formats.Tabular;

namespace NeuroLab.Compute.Datasets;

/// <summary>
/// Recipes that turn a dataset's files into stimuli and response sets. "generic" serves uploads: images and
/// image arrays become stimuli, 2-D matrices become response sets [stimuli, units], atlas labels become
/// regions, runs with events become GLM betas. The sample recipes add what each study's layout needs
/// (train/test splits, labels from category vectors).
/// </summary>
public static partial class SampleRecipes
{
    /// <summary>Side of stimulus preview thumbnails in pixels.</summary>
    public const int ThumbnailSide = 128;

    public static Task<DerivedData> RunAsync(string recipe, RecipeContext context) => recipe switch
    {
        "allen-v1" => AllenAsync(context),
        "vangerven-digits" => VanGervenAsync(context),
        "kriegeskorte-92" => Kriegeskorte92Async(context),
        "haxby-glm" => HaxbyAsync(context),
        "generic" or "image-pool" or "template" or "atlas" or "surfaces" or "maps" or "roi-timeseries" => GenericAsync(context),
        _ => throw new ArgumentException($"Unknown import recipe '{recipe}'.", nameof(recipe)),
    };

    private static async Task<DerivedData> GenericAsync(RecipeContext context)
    {
        var derived = new DerivedData();
        await AddImageStimuliAsync(context, derived, context.WithRole(FileRole.StimulusImages));
        AddStimulusTables(context, derived);
        foreach (var file in context.WithRole(FileRole.Responses))
        {
            foreach (var (name, matrix) in Matrices(context, file))
            {
                if (derived.Stimuli.Count == 0)
                {
                    derived.Stimuli.AddRange(Enumerable.Range(0, (int)matrix.Shape[0]).Select(i => new DerivedStimulus($"row {i}")));
                }
                derived.ResponseSets.Add(await ResponseSetAsync(context, name, matrix, derived.Stimuli.Count, UnitKind.Voxel, "uploaded", file));
            }
        }
        await AddTrialsAsync(context, derived);
        AddAtlasRegions(context, derived);
        await AddGlmAsync(context, derived);
        CheckRdms(context, derived);
        return derived;
    }

    /// <summary>
    /// Repeated trials [repeats, stimuli, units] (for noise ceilings) attach to the response set they match:
    /// same stimuli and the same original unit count; the units excluded from the responses are dropped here too.
    /// </summary>
    private static async Task AddTrialsAsync(RecipeContext context, DerivedData derived)
    {
        foreach (var file in context.WithRole(FileRole.Trials))
        {
            var trials = NpyReader.Read(context.PathOf(file)).ToCOrder();
            int repeats = (int)trials.Shape[0], stimuli = (int)trials.Shape[1], units = (int)trials.Shape[2];
            int index = derived.ResponseSets.FindIndex(r => r.StimulusCount == stimuli && r.UnitCount + r.ExcludedUnits.Count == units && r.TrialsSha256 is null);
            if (index < 0)
            {
                throw new DatasetImportException("Trials do not match the responses.", [new FileProblem(file.Name,
                    $"trials are [{repeats}, {stimuli}, {units}] but no response set has {stimuli} stimuli and {units} units; the layout must be [repeats, stimuli, units].")]);
            }
            var set = derived.ResponseSets[index];
            var excluded = set.ExcludedUnits.ToHashSet();
            var keep = Enumerable.Range(0, units).Where(u => !excluded.Contains(u)).ToArray();
            var values = new float[(long)repeats * stimuli * keep.Length];
            for (long rs = 0; rs < (long)repeats * stimuli; rs++)
            {
                for (int k = 0; k < keep.Length; k++)
                {
                    values[rs * keep.Length + k] = (float)trials.GetDouble(rs * units + keep[k]);
                }
            }
            var sha = await context.StoreArrayAsync(new NumericArray(NumericType.Float32, [repeats, stimuli, keep.Length], values));
            derived.ResponseSets[index] = set with { TrialsSha256 = sha };
        }
    }

    /// <summary>Each image file becomes a stimulus; arrays of images [n, h, w] or [n, h*w] become n stimuli.</summary>
    private static async Task AddImageStimuliAsync(RecipeContext context, DerivedData derived, IReadOnlyList<ImportedFile> files)
    {
        int done = 0;
        foreach (var file in files)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            if (file.Inspection.Format == "image")
            {
                // Decoded row by row into the thumbnail: the full image is never held (the file passed inspection).
                var path = context.PathOf(file);
                var image = ImageSampler.Sample(path, file.Name, ImageReader.ReadInfo(path), ThumbnailSide);
                var png = ImageThumbnail.EncodePng(image, ThumbnailSide);
                derived.Stimuli.Add(new DerivedStimulus(file.Name, ImageSha256: await context.StorePngAsync(png)));
            }
            else
            {
                foreach (var (name, array) in Matrices(context, file))
                {
                    foreach (var (index, png) in ImagesFromRows(array))
                    {
                        derived.Stimuli.Add(new DerivedStimulus($"{name}[{index}]", ImageSha256: await context.StorePngAsync(png)));
                    }
                }
            }
            if (++done % 50 == 0)
            {
                context.Progress?.Report(new ImportProgress("Making stimulus previews", done, files.Count, file.Name));
            }
        }
    }

    /// <summary>2-D numeric arrays in a file: the array of an .npy/.csv, each 2-D variable of a .mat/.npz.</summary>
    internal static IEnumerable<(string Name, NumericArray Matrix)> Matrices(RecipeContext context, ImportedFile file)
    {
        var path = context.PathOf(file);
        switch (file.Inspection.Format)
        {
            case "npy":
                yield return (Path.GetFileNameWithoutExtension(file.Name), NpyReader.Read(path));
                break;
            case "matrix":
                yield return (Path.GetFileNameWithoutExtension(file.Name), DelimitedMatrixReader.Read(path).Values);
                break;
            case "npz":
                foreach (var (name, array) in NpzReader.Read(path))
                {
                    yield return (name, array);
                }
                break;
            case "mat":
                foreach (var (name, value) in MatReader.Read(path).Variables)
                {
                    if (value is MatNumeric { IsComplex: false } numeric && numeric.Array.Rank == 2 && numeric.Array.Length > 1)
                    {
                        yield return (name, numeric.Array);
                    }
                }
                break;
        }
    }

    /// <summary>Rows of a 2-D array as square greyscale images (or the leading axis of a 3-D array), as PNG thumbnails.</summary>
    private static IEnumerable<(int Index, byte[] Png)> ImagesFromRows(NumericArray array)
    {
        int n = (int)array.Shape[0];
        int h, w;
        if (array.Rank == 3)
        {
            (h, w) = ((int)array.Shape[1], (int)array.Shape[2]);
        }
        else if (array.Rank == 2 && Math.Sqrt(array.Shape[1]) is var side && side == Math.Floor(side))
        {
            (h, w) = ((int)side, (int)side);
        }
        else
        {
            throw new FormatReadException("stimulus images", $"an image array must be [n, height, width] or [n, pixels] with square images; got {array.ShapeText}.");
        }
        var c = array.ToCOrder();
        for (int i = 0; i < n; i++)
        {
            var pixels = new float[h * w];
            double min = double.MaxValue, max = double.MinValue;
            for (int p = 0; p < pixels.Length; p++)
            {
                var v = c.GetDouble((long)i * h * w + p);
                min = Math.Min(min, v);
                max = Math.Max(max, v);
                pixels[p] = (float)v;
            }
            var range = max > min ? max - min : 1;
            for (int p = 0; p < pixels.Length; p++)
            {
                pixels[p] = (float)((pixels[p] - min) / range);
            }
            yield return (i, ImageThumbnail.EncodePng(new NumericArray(NumericType.Float32, [h, w, 1], pixels), ThumbnailSide));
        }
    }

    /// <summary>
    /// Stores a response matrix [stimuli, units] as float32 after removing units that are constant or hold
    /// NaN/Inf anywhere (they would break z-scoring and correlations); the removed columns are listed.
    /// </summary>
    internal static async Task<DerivedResponseSet> ResponseSetAsync(RecipeContext context, string name, NumericArray matrix, int expectedStimuli, UnitKind kind, string provenance, ImportedFile? source,
        IReadOnlyList<int[]>? coordinates = null, ImportedFile? reference = null)
    {
        if (matrix.Rank != 2)
        {
            throw new DatasetImportException($"{name} is {matrix.ShapeText}; responses must be 2-D [stimuli, units].", [new FileProblem(source?.Name ?? name, $"responses must be 2-D [stimuli, units], got {matrix.ShapeText}.")]);
        }
        int rows = (int)matrix.Shape[0], cols = (int)matrix.Shape[1];
        if (rows != expectedStimuli)
        {
            throw new DatasetImportException($"{name} has {rows} rows but the dataset has {expectedStimuli} stimuli.",
                [new FileProblem(source?.Name ?? name, $"{name} has {rows} rows (stimuli) but the dataset has {expectedStimuli} stimuli; responses must be [stimuli, units]. Transposed?")]);
        }
        var c = matrix.ToCOrder();
        var keep = new List<int>();
        var excluded = new List<int>();
        for (int u = 0; u < cols; u++)
        {
            double first = c.GetDouble(u);
            bool finite = true, constant = true;
            for (int s = 0; s < rows; s++)
            {
                var v = c.GetDouble((long)s * cols + u);
                finite &= double.IsFinite(v);
                constant &= v == first;
            }
            (finite && !constant ? keep : excluded).Add(u);
        }
        if (keep.Count == 0)
        {
            throw new DatasetImportException($"Every unit of {name} is constant or non-finite.", [new FileProblem(source?.Name ?? name, "every column is constant or contains NaN/Inf; there is nothing to model.")]);
        }
        var values = new float[(long)rows * keep.Count];
        for (int s = 0; s < rows; s++)
        {
            for (int k = 0; k < keep.Count; k++)
            {
                values[(long)s * keep.Count + k] = (float)c.GetDouble((long)s * cols + keep[k]);
            }
        }
        var sha = await context.StoreArrayAsync(new NumericArray(NumericType.Float32, [rows, keep.Count], values));
        string? coordinatesSha = null;
        if (coordinates is not null)
        {
            var ijk = new int[keep.Count * 3];
            for (int k = 0; k < keep.Count; k++)
            {
                coordinates[keep[k]].CopyTo(ijk, k * 3);
            }
            coordinatesSha = await context.StoreArrayAsync(new NumericArray(NumericType.Int32, [keep.Count, 3], ijk));
        }
        return new DerivedResponseSet(name, kind, rows, keep.Count, sha, provenance, excluded, coordinatesSha, reference);
    }

    /// <summary>
    /// Stimulus tables (TSV/CSV with a header) give stimuli their labels and captions: rows match stimuli by a
    /// name column (file name with or without extension), or by order when there is no name column. Without
    /// image stimuli, the table's rows become the stimuli.
    /// </summary>
    private static void AddStimulusTables(RecipeContext context, DerivedData derived)
    {
        foreach (var file in context.WithRole(FileRole.StimulusTable).Where(f => f.Inspection.Format is "text" or "events-tsv"))
        {
            var table = TextTableReader.Read(context.PathOf(file));
            int name = table.ColumnIndex("name", "id", "stimulus", "stim_file", "file", "image", "filename");
            int label = table.ColumnIndex("label", "category", "class", "trial_type", "condition");
            int caption = table.ColumnIndex("caption", "description", "text", "sentence");
            if (label < 0 && caption < 0)
            {
                throw new DatasetImportException("Stimulus table without labels or captions.", [new FileProblem(file.Name,
                    $"the header ({string.Join(", ", table.Columns)}) has no label/category or caption/description column.")]);
            }
            if (derived.Stimuli.Count == 0)
            {
                derived.Stimuli.AddRange(table.Rows.Select((r, i) => new DerivedStimulus(name >= 0 ? r[name] ?? $"row {i}" : $"row {i}", label >= 0 ? r[label] : null, caption >= 0 ? r[caption] : null)));
                continue;
            }
            if (name < 0)
            {
                if (table.Rows.Count != derived.Stimuli.Count)
                {
                    throw new DatasetImportException("Stimulus table rows do not match the stimuli.", [new FileProblem(file.Name,
                        $"{table.Rows.Count} rows for {derived.Stimuli.Count} stimuli and no name column to match them by.")]);
                }
                for (int i = 0; i < table.Rows.Count; i++)
                {
                    derived.Stimuli[i] = derived.Stimuli[i] with { Label = label >= 0 ? table.Rows[i][label] : derived.Stimuli[i].Label, Caption = caption >= 0 ? table.Rows[i][caption] : derived.Stimuli[i].Caption };
                }
                continue;
            }
            var byName = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            for (int i = 0; i < derived.Stimuli.Count; i++)
            {
                byName.TryAdd(derived.Stimuli[i].Name, i);
                byName.TryAdd(Path.GetFileNameWithoutExtension(derived.Stimuli[i].Name), i);
            }
            var unmatched = new List<string>();
            foreach (var row in table.Rows)
            {
                var key = row[name];
                if (key is null || !(byName.TryGetValue(key, out var i) || byName.TryGetValue(Path.GetFileName(key), out i) || byName.TryGetValue(Path.GetFileNameWithoutExtension(key), out i)))
                {
                    unmatched.Add(key ?? "(empty)");
                    continue;
                }
                derived.Stimuli[i] = derived.Stimuli[i] with { Label = label >= 0 ? row[label] : derived.Stimuli[i].Label, Caption = caption >= 0 ? row[caption] : derived.Stimuli[i].Caption };
            }
            if (unmatched.Count > 0)
            {
                throw new DatasetImportException("Stimulus table names no stimulus.", [new FileProblem(file.Name,
                    $"{unmatched.Count} rows name no stimulus of this dataset (e.g. {string.Join(", ", unmatched.Take(3))}).")]);
            }
        }
    }

    /// <summary>Reads "code name [extra]" lines (AAL/MRIcron style) or "name" lines (codes 1..n) into regions of the atlas.</summary>
    private static void AddAtlasRegions(RecipeContext context, DerivedData derived)
    {
        var atlases = context.WithRole(FileRole.Atlas);
        var labels = context.WithRole(FileRole.AtlasLabels);
        if (atlases.Count == 0 || labels.Count == 0)
        {
            return;
        }
        var regions = new List<(int, string)>();
        var seen = new HashSet<int>();
        int line = 0;
        foreach (var text in File.ReadLines(context.PathOf(labels[0])))
        {
            line++;
            var parts = text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0 || parts[0].StartsWith('#'))
            {
                continue;
            }
            if (parts.Length >= 2 && int.TryParse(parts[0], out var code))
            {
                if (!seen.Add(code))
                {
                    throw new DatasetImportException("Duplicate atlas code.", [new FileProblem(labels[0].Name, $"line {line}: code {code} appears twice.")]);
                }
                regions.Add((code, parts[1]));
            }
            else
            {
                regions.Add((regions.Count + 1, parts[0]));
            }
        }
        derived.AtlasRegions.Add((atlases[0], regions));
    }
}
