using System.Diagnostics;
using NeuroLab.Analysis.Captions;
using NeuroLab.Analysis.Surfaces;

namespace NeuroLab.Bench;

/// <summary>
/// Caption statistics at Natural Scenes Dataset scale on generated text (timing only, never accuracy): 9,000 stimulus
/// captions of 12 words from a 5,000-word vocabulary, 20,000 units each with 20 preferred captions, keywords by
/// log-odds and the sentence score on 1,000 held-out captions; and an MNI 1 mm volume sampled onto both fsaverage5
/// hemispheres' 10,242 vertices x 10 points.
/// </summary>
internal static class CaptionsBench
{
    public static void Run() => Child.PrintTable("Voxel captions and surface sampling (each case in a fresh process)",
    [
        Child.Run("captions", "20000"),
        Child.Run("vol2surf"),
    ]);

    public static Measurement Captions(int units)
    {
        var random = new Random(3);
        var vocabulary = Enumerable.Range(0, 5000).Select(i => $"w{i}").ToArray();
        // Zipf-like word use, so some words are common and most are rare, as in captions.
        string Word() => vocabulary[(int)Math.Min(vocabulary.Length - 1, Math.Floor(Math.Exp(random.NextDouble() * Math.Log(vocabulary.Length))) - 1)];
        var captions = Enumerable.Range(0, 9000).Select(_ => string.Join(' ', Enumerable.Range(0, 12).Select(_ => Word()))).ToArray();
        var tokens = captions.Select(TextTokens.Tokenize).ToArray();
        var heldOut = captions[..1000];
        var responses = Enumerable.Range(0, 1000).Select(_ => random.NextDouble()).ToArray();

        var sw = Stopwatch.StartNew();
        var counts = KeywordLogOdds.CorpusCounts(tokens[1000..]);
        var embedder = TfidfEmbedder.Fit(captions);
        var heldOutVectors = embedder.Embed(heldOut);
        double keywordSeconds = 0, scoreSeconds = 0, scoreSum = 0;
        var captionTexts = new string[units];
        for (int u = 0; u < units; u++)
        {
            var t0 = sw.Elapsed.TotalSeconds;
            // 20 distinct preferred captions (a unit's top stimuli are distinct).
            var picked = new HashSet<int>();
            while (picked.Count < 20)
            {
                picked.Add(1000 + random.Next(8000));
            }
            var top = picked.Select(i => (IReadOnlyList<string>)tokens[i]).ToList();
            var keywords = KeywordLogOdds.Score(top, counts).Where(k => k.LogOdds > 0).Take(3).Select(k => k.Word).ToList();
            captionTexts[u] = string.Join(' ', keywords);
            var t1 = sw.Elapsed.TotalSeconds;
            scoreSum += CaptionEvaluation.SentenceScore(embedder.EmbedSparse(captionTexts[u]), heldOutVectors, responses) is var s && double.IsFinite(s) ? s : 0;
            keywordSeconds += t1 - t0;
            scoreSeconds += sw.Elapsed.TotalSeconds - t1;
        }
        var diversity = CaptionEvaluation.Diversity(captionTexts, TfidfEmbedder.Fit(captionTexts));
        sw.Stop();
        return new Measurement($"captions: {units:N0} units, 9,000 captions", sw.Elapsed.TotalSeconds, 0,
            $"keywords {keywordSeconds:0.0} s, sentence scores {scoreSeconds:0.0} s, diversity {diversity.EffectiveDimensions} dims over {diversity.VocabularySize} words (mean score {scoreSum / units:0.000}, noise)");
    }

    public static Measurement VolumeToSurface()
    {
        int nx = 197, ny = 233, nz = 189;
        var random = new Random(5);
        var values = new float[nx * ny * nz];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)random.NextDouble();
        }
        double[,] affine = { { 1, 0, 0, -98 }, { 0, 1, 0, -134 }, { 0, 0, 1, -72 }, { 0, 0, 0, 1 } };
        var volume = new GridVolume([nx, ny, nz], affine, values);
        int vertices = 10242;
        var white = new float[vertices * 3];
        var pial = new float[vertices * 3];
        for (int v = 0; v < vertices; v++)
        {
            for (int c = 0; c < 3; c++)
            {
                white[3 * v + c] = (float)(random.NextDouble() * 120 - 60);
                pial[3 * v + c] = white[3 * v + c] + (float)(random.NextDouble() * 4 - 2);
            }
        }
        var sw = Stopwatch.StartNew();
        var left = Analysis.Surfaces.VolumeToSurface.Sample(volume, white, pial);
        var right = Analysis.Surfaces.VolumeToSurface.Sample(volume, pial, white);
        sw.Stop();
        return new Measurement("MNI 1 mm volume onto 2 x 10,242 vertices", sw.Elapsed.TotalSeconds, 0,
            $"{VolumeToSurfaceSamples} points per vertex, {left.Count(float.IsFinite) + right.Count(float.IsFinite)} vertices with values");
    }

    private const int VolumeToSurfaceSamples = Analysis.Surfaces.VolumeToSurface.DefaultSamples;
}
