using System.Text.Json;
using NeuroLab.Analysis.Encoding;
using NeuroLab.Formats.Matlab;

namespace NeuroLab.Analysis.Tests.Reconstruction;

/// <summary>
/// Inputs and reference values for the reconstruction metrics: <c>Reference/reconstruction_reference.json</c>, written by
/// <c>Reference/reconstruction_reference.py</c> (scikit-image 0.19.3, scipy 1.10.1, numpy 1.24.2). Synthetic images are
/// rebuilt here bit for bit with the script's recipe and NeuroLab's SplitMix64 (the script re-implements it); digits come from the shared vangerven-digits file.
/// </summary>
internal static class ReconstructionFixtures
{
    private static readonly Lazy<JsonElement> s_reference = new(() => JsonDocument.Parse(File.ReadAllText(
        Path.Combine(SharedData.RepositoryRoot, "tests", "NeuroLab.Analysis.Tests", "Reference", "reconstruction_reference.json"))).RootElement);

    private static readonly Lazy<(float[] Test, float[] Train)> s_digits = new(LoadDigits);

    public static JsonElement Reference => s_reference.Value;

    public static JsonElement ImageCase(string name) =>
        Reference.GetProperty("images").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    /// <summary>A JSON array of numbers, null read as NaN.</summary>
    public static double[] Doubles(JsonElement array) =>
        array.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? double.NaN : v.GetDouble()).ToArray();

    /// <summary>The reconstructions and targets of an image case, [n, h, w] each, as the script's <c>image_set</c>.</summary>
    public static (float[] Recon, float[] Target, int N, int H, int W) Images(JsonElement imageCase)
    {
        int h = imageCase.GetProperty("h").GetInt32(), w = imageCase.GetProperty("w").GetInt32();
        var alphas = Doubles(imageCase.GetProperty("alphas"));
        var rng = new SplitMix64(imageCase.GetProperty("seed").GetUInt64());
        int n = alphas.Length, size = h * w;
        var recon = new float[n * size];
        var target = new float[n * size];
        for (int i = 0; i < n; i++)
        {
            var blocks = rng.Field((h / 4) + 1, (w / 4) + 1);
            var noise = rng.Field(h, w);
            var other = rng.Field(h, w);
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    int p = (y * w) + x;
                    float t = (float)((0.75 * blocks[((y / 4) * ((w / 4) + 1)) + (x / 4)]) + (0.25 * noise[p]));
                    target[(i * size) + p] = t;
                    recon[(i * size) + p] = (float)((alphas[i] * t) + ((1.0 - alphas[i]) * other[p]));
                }
            }
        }
        if (imageCase.GetProperty("constants").GetBoolean())
        {
            recon.AsSpan(5 * size, size).Fill(0.5f);
            recon.AsSpan(6 * size, size).Fill(0.75f);
            target.AsSpan(6 * size, size).Fill(0.25f);
        }
        return (recon, target, n, h, w);
    }

    /// <summary>The 10 test digits [10, 28, 28] and 90 training digits [90, 28, 28], stim / 255 as float32, rows read row-major.</summary>
    public static (float[] Test, float[] Train) Digits => s_digits.Value;

    /// <summary>The script's <c>box_blur</c>: 3x3 mean, edges replicated, summed dy then dx in float64, / 9.</summary>
    public static float[] BoxBlur(float[] images, int n, int h, int w)
    {
        var result = new float[images.Length];
        for (int i = 0; i < n; i++)
        {
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    double sum = 0;
                    for (int dy = -1; dy <= 1; dy++)
                    {
                        for (int dx = -1; dx <= 1; dx++)
                        {
                            sum += images[(i * h * w) + (Math.Clamp(y + dy, 0, h - 1) * w) + Math.Clamp(x + dx, 0, w - 1)];
                        }
                    }
                    result[(i * h * w) + (y * w) + x] = (float)(sum / 9.0);
                }
            }
        }
        return result;
    }

    private static (float[] Test, float[] Train) LoadDigits()
    {
        var file = MatReader.Read(SharedData.Path("vangerven-digits/digit69_28x28.mat"));
        static float[] Scaled(MatValue value) =>
            ((MatNumeric)value).Array.ToCOrder().ToFloat64().Select(v => (float)(v / 255.0)).ToArray();
        return (Scaled(file["stimTest"]), Scaled(file["stimTrn"]));
    }

    /// <summary>The script's <c>uniform_field</c>: (Next() &gt;&gt; 40) / 2^24, row-major.</summary>
    public static double[] Field(this SplitMix64 random, int rows, int cols)
    {
        var values = new double[rows * cols];
        for (int k = 0; k < values.Length; k++)
        {
            values[k] = (random.Next() >> 40) / (double)(1 << 24);
        }
        return values;
    }
}
