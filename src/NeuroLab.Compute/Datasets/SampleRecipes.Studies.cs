using NeuroLab.Data.Datasets;
using NeuroLab.Formats;
using NeuroLab.Formats.Matlab;
using NeuroLab.Formats.Numpy;

namespace NeuroLab.Compute.Datasets;

public static partial class SampleRecipes
{
    /// <summary>
    /// Allen Brain Observatory V1: 118 scenes (all_input_scenes, 31x31) are the stimuli; the train (100) and
    /// test (18) inputs are matched to scenes by their pixels, so the response set is [118 scenes, 212 neurons]
    /// with each scene marked train or test. The 900 single trials are kept as a file only: their trial order is
    /// not documented, so no trial-to-scene mapping is invented.
    /// </summary>
    private static async Task<DerivedData> AllenAsync(RecipeContext context)
    {
        var derived = new DerivedData();
        NumericArray Load(string name) => NpyReader.Read(context.PathOf(context.Files.Single(f => f.Name == name)));
        var scenes = Load("all_input_scenes_118_961.npy").ToCOrder();
        var trainInput = Load("Allen_train_input.npy").ToCOrder();
        var testInput = Load("Allen_test_input.npy").ToCOrder();
        var trainOutput = Load("Allen_train_output.npy").ToCOrder();
        var testOutput = Load("Allen_test_output.npy").ToCOrder();
        int nScenes = (int)scenes.Shape[0], pixels = (int)scenes.Shape[1], neurons = (int)trainOutput.Shape[1];
        var sceneOf = new Dictionary<int, (string Split, NumericArray Output, int Row)>();
        void Match(NumericArray input, NumericArray output, string split)
        {
            for (int r = 0; r < input.Shape[0]; r++)
            {
                int found = -1;
                for (int s = 0; s < nScenes && found < 0; s++)
                {
                    bool same = true;
                    for (int p = 0; p < pixels && same; p++)
                    {
                        same = input.GetDouble((long)r * pixels + p) == scenes.GetDouble((long)s * pixels + p);
                    }
                    found = same ? s : -1;
                }
                if (found < 0 || !sceneOf.TryAdd(found, (split, output, r)))
                {
                    throw new DatasetImportException("Allen inputs do not match the scene set.", [new FileProblem($"Allen_{split}_input.npy", $"row {r} matches {(found < 0 ? "no scene" : "a scene already used")} in all_input_scenes_118_961.npy.")]);
                }
            }
        }
        Match(trainInput, trainOutput, "train");
        Match(testInput, testOutput, "test");
        var responses = new double[(long)nScenes * neurons];
        var thumbnails = ImagesFromRows(scenes).ToList();
        for (int s = 0; s < nScenes; s++)
        {
            if (!sceneOf.TryGetValue(s, out var source))
            {
                throw new DatasetImportException("A scene has no response.", [new FileProblem("all_input_scenes_118_961.npy", $"scene {s} is in neither the train nor the test input.")]);
            }
            for (int n = 0; n < neurons; n++)
            {
                responses[(long)s * neurons + n] = source.Output.GetDouble((long)source.Row * neurons + n);
            }
            derived.Stimuli.Add(new DerivedStimulus($"scene_{s:000}", ImageSha256: await context.StorePngAsync(thumbnails[s].Png), Split: source.Split));
        }
        derived.ResponseSets.Add(await ResponseSetAsync(context, "V1 neurons (mean dF/F over 50 repeats)", new NumericArray(NumericType.Float64, [nScenes, neurons], responses),
            nScenes, UnitKind.Neuron, "sample", context.Files.Single(f => f.Name == "Allen_train_output.npy")));
        return derived;
    }

    /// <summary>
    /// van Gerven digits: 90 train + 10 test trials, each a 28x28 digit (6 or 9) and 3,092 voxels of V1-V3.
    /// Images are stored row by row in MATLAB's column-major pixel order, so they are transposed for display.
    /// </summary>
    private static async Task<DerivedData> VanGervenAsync(RecipeContext context)
    {
        var derived = new DerivedData();
        var file = context.Files.Single(f => f.Inspection.Format == "mat");
        var mat = MatReader.Read(context.PathOf(file));
        NumericArray Var(string name) => mat.Variables.TryGetValue(name, out var v) && v is MatNumeric n
            ? n.Array
            : throw new DatasetImportException($"{name} is missing.", [new FileProblem(file.Name, $"variable '{name}' is missing or not numeric.")]);
        var stim = Concat(Var("stimTrn"), Var("stimTest"));
        var fmri = Concat(Var("fmriTrn"), Var("fmriTest"));
        var labels = Concat(Var("labelTrn"), Var("labelTest"));
        int nTrain = (int)Var("stimTrn").Shape[0], n = (int)stim.Shape[0];
        var images = ImagesFromRows(Transpose28(stim)).ToList();
        for (int i = 0; i < n; i++)
        {
            // Labels 1 and 2 are the digits 6 and 9 (Du et al. 2017, DGMM data description).
            var digit = labels.GetDouble(i) switch { 1 => "6", 2 => "9", var other => other.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            derived.Stimuli.Add(new DerivedStimulus(i < nTrain ? $"train_{i:00}" : $"test_{i - nTrain:00}", Label: $"digit {digit}", ImageSha256: await context.StorePngAsync(images[i].Png), Split: i < nTrain ? "train" : "test"));
        }
        derived.ResponseSets.Add(await ResponseSetAsync(context, "V1-V3 voxels", fmri, n, UnitKind.Voxel, "sample", file));
        return derived;
    }

    /// <summary>Kriegeskorte 92 objects: the 92 PNGs are the stimuli, labelled from the 12 category vectors.</summary>
    private static async Task<DerivedData> Kriegeskorte92Async(RecipeContext context)
    {
        var derived = new DerivedData();
        await AddImageStimuliAsync(context, derived, context.WithRole(FileRole.StimulusImages));
        var table = context.WithRole(FileRole.StimulusTable).FirstOrDefault(f => f.Inspection.Format == "mat");
        if (table is not null)
        {
            var mat = MatReader.Read(context.PathOf(table));
            if (mat.Variables.TryGetValue("categoryVectors", out var v) && v is MatNumeric vectors && mat.Variables.TryGetValue("categoryLabels", out var l) && l is MatCell names)
            {
                var columns = names.Items.Select(i => i.ToString() ?? string.Empty).ToList();
                bool Has(int row, string column) => columns.IndexOf(column) is >= 0 and var c && vectors.Array[row, c] != 0;
                for (int i = 0; i < derived.Stimuli.Count && i < vectors.Array.Shape[0]; i++)
                {
                    var label = Has(i, "face") ? (Has(i, "human") ? "human face" : "animal face")
                        : Has(i, "body") ? (Has(i, "human") ? "human body" : "animal body")
                        : Has(i, "natObj") ? "natural object"
                        : Has(i, "artiObj") ? "artificial object"
                        : Has(i, "animate") ? "animate" : "inanimate";
                    derived.Stimuli[i] = derived.Stimuli[i] with { Label = label };
                }
            }
        }
        CheckRdms(context, derived);
        return derived;
    }

    private static NumericArray Concat(NumericArray a, NumericArray b)
    {
        var ca = a.ToCOrder();
        var cb = b.ToCOrder();
        long cols = a.Rank == 1 ? 1 : a.Shape[1];
        var values = new double[ca.Length + cb.Length];
        for (long i = 0; i < ca.Length; i++)
        {
            values[i] = ca.GetDouble(i);
        }
        for (long i = 0; i < cb.Length; i++)
        {
            values[ca.Length + i] = cb.GetDouble(i);
        }
        return new NumericArray(NumericType.Float64, a.Rank == 1 ? [a.Shape[0] + b.Shape[0]] : [a.Shape[0] + b.Shape[0], cols], values);
    }

    private static NumericArray Transpose28(NumericArray rows)
    {
        int n = (int)rows.Shape[0], side = (int)Math.Sqrt(rows.Shape[1]);
        var values = new double[rows.Length];
        for (int i = 0; i < n; i++)
        {
            for (int y = 0; y < side; y++)
            {
                for (int x = 0; x < side; x++)
                {
                    values[(long)i * side * side + y * side + x] = rows.GetDouble((long)i * side * side + x * side + y);
                }
            }
        }
        return new NumericArray(NumericType.Float64, [n, side * side], values);
    }
}
