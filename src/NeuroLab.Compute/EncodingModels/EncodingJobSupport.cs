using System.Globalization;
using NeuroLab.Compute.Runs;
using NeuroLab.Data.Storage;
using NeuroLab.Formats;
using NeuroLab.Formats.Images;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuroLab.Compute.EncodingModels;

/// <summary>What the encoding run kinds share: stimulus images, splits, correlations and array conversions.</summary>
internal static class EncodingJobSupport
{
    /// <summary>Decodes the stimulus previews as greyscale [n, h, w] in [0, 1] (resized to the first image's size when they differ).</summary>
    public static Task<Tensor> LoadImagesAsync(ContentStore store, RunContext context, IReadOnlyList<string> shas, CancellationToken ct) =>
        LoadImagesAsync(store, shas, (done, total) => context.Report("loading", done, total), ct);

    /// <summary>The stimulus images, greyscale, at the first image's size, reporting every 50 images to <paramref name="report"/> (done, total).</summary>
    public static async Task<Tensor> LoadImagesAsync(ContentStore store, IReadOnlyList<string> shas, Action<int, int>? report, CancellationToken ct)
    {
        float[]? data = null;
        int h = 0, w = 0;
        for (int i = 0; i < shas.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            await using var stream = store.OpenRead(shas[i]);
            var image = ImageReader.Read(stream, $"stimulus {i}.png", new ImageReadOptions { Color = ImageColorMode.Grayscale });
            if (data is null)
            {
                (h, w) = ((int)image.Shape[0], (int)image.Shape[1]);
                data = new float[shas.Count * h * w];
            }
            if (image.Shape[0] != h || image.Shape[1] != w)
            {
                image = ImageReader.Read(store.LocalPath(shas[i]), new ImageReadOptions { Color = ImageColorMode.Grayscale, Width = w, Height = h });
            }
            image.AsSpan<float>().CopyTo(data.AsSpan(i * h * w, h * w));
            if (i % 50 == 0)
            {
                report?.Invoke(i, shas.Count);
            }
        }
        return tensor(data!, [shas.Count, h, w]);
    }

    /// <summary>Train/test stimulus indices: the dataset's marks, or a seeded random split.</summary>
    public static (int[] Train, int[] Test) Split(IReadOnlyList<string?> marks, string split, double testFraction, int seed)
    {
        if (split == "dataset")
        {
            return ([.. Enumerable.Range(0, marks.Count).Where(i => marks[i] == "train")], [.. Enumerable.Range(0, marks.Count).Where(i => marks[i] == "test")]);
        }
        var order = Enumerable.Range(0, marks.Count).ToArray();
        new Random(seed).Shuffle(order);
        int nTest = Math.Max(1, (int)Math.Round(marks.Count * testFraction));
        return ([.. order.Skip(nTest).Order()], [.. order.Take(nTest).Order()]);
    }

    /// <summary>Pearson r per column between predictions and responses [n, m].</summary>
    public static double[] Correlations(Tensor predictions, Tensor responses)
    {
        using var scope = NewDisposeScope();
        var a = predictions.to_type(ScalarType.Float64);
        var b = responses.to_type(ScalarType.Float64);
        a = a - a.mean([0L], keepdim: true);
        b = b - b.mean([0L], keepdim: true);
        var r = (a * b).sum(dim: 0L) / (a.pow(2).sum(dim: 0L).sqrt() * b.pow(2).sum(dim: 0L).sqrt());
        return r.data<double>().ToArray();
    }

    /// <summary>The mean of the finite values; NaN when there are none (an undefined score, written as null).</summary>
    public static double FiniteMean(IEnumerable<double> values) => values.Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average();

    /// <summary>
    /// Writes the names of a category map's codes as JSON, value -> name, the codes 1-based in the order of
    /// <paramref name="names"/> (0 stays "none").
    /// </summary>
    public static void WriteValueNames(Stream stream, IReadOnlyList<string> names) =>
        System.Text.Json.JsonSerializer.Serialize(stream, names.Select((name, i) => (Key: (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), name))
            .ToDictionary(x => x.Key, x => x.name));

    /// <summary>A CSV field: quoted (inner quotes doubled) when it holds a comma or a quote, else as it is.</summary>
    public static string CsvField(string text) => text.Contains(',', StringComparison.Ordinal) || text.Contains('"', StringComparison.Ordinal)
        ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;

    /// <summary>A number in a CSV table: six significant digits, empty where undefined (NaN, infinite).</summary>
    public static string CsvNumber(double value) => double.IsFinite(value) ? value.ToString("G6", CultureInfo.InvariantCulture) : "";

    /// <summary>A CSV row of fields (each quoted where needed).</summary>
    public static string CsvRow(params string[] fields) => string.Join(',', fields.Select(CsvField));

    /// <summary>Writes a CSV table (UTF-8 without BOM): the header line, then one line per row; the stream stays open.</summary>
    public static void WriteCsv(Stream stream, string header, IEnumerable<string> rows)
    {
        using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), leaveOpen: true);
        writer.WriteLine(header);
        foreach (var row in rows)
        {
            writer.WriteLine(row);
        }
    }

    public static NumericArray Vector(IReadOnlyList<double> values) => new(NumericType.Float32, [values.Count], values.Select(v => (float)v).ToArray());

    public static NumericArray FromTensor(Tensor t)
    {
        var f = t.to_type(ScalarType.Float32).contiguous();
        return new NumericArray(NumericType.Float32, [.. f.shape], f.data<float>().ToArray());
    }

    /// <summary>An <see cref="IProgress{T}"/> that reports on the calling thread (the run's own thread).</summary>
    public sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
