using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using NeuroLab.Compute.Features.ResNet18;

namespace NeuroLab.Bench;

/// <summary>
/// ResNet-18 feature extraction over the images of a folder (<c>features DIR [count]</c>), three ways, each in a fresh
/// child process on the same images: NeuroLab's one pass (<see cref="ResNet18Extraction"/>: every stage, batches, decoding
/// alongside the network), a plain loop (one image at a time through the package's two graphs, ONNX Runtime on 2
/// threads), and ML.NET's own DnnImageFeaturizer pipeline (Microsoft.ML 6.0.0, LoadImages, ResizeImages 224x224,
/// ExtractPixels, DnnFeaturizeImage ResNet18). Times exclude loading the graphs (reported apart) and include reading,
/// decoding and resizing. The last line printed is one JSON object for NeuroLab's extraction.
/// </summary>
internal static class FeaturesBench
{
    /// <summary>One child's measurement.</summary>
    public sealed record Run(string Name, int Images, double Seconds, double LoadSeconds, double PeakRssMiB, string Settings,
        double NetworkSeconds = 0, double ReadingSeconds = 0, IReadOnlyList<double>? PoolingSeconds = null);

    public static void Compare(string directory, int? limit)
    {
        var count = Images(directory, limit).Count.ToString(CultureInfo.InvariantCulture);
        string loadBefore = File.ReadAllText("/proc/loadavg").Trim();
        var ours = Child.Run<Run>("features-ours", "features-ours", directory, count);
        var plain = Child.Run<Run>("features-plain", "features-plain", directory, count);
        var mlnet = Child.Run<Run>("features-mlnet", "features-mlnet", directory, count);
        string loadAfter = File.ReadAllText("/proc/loadavg").Trim();

        Console.WriteLine();
        Console.WriteLine($"ResNet-18 features of {ours.Images} images from {directory} ({Environment.ProcessorCount} cores; /proc/loadavg before: {loadBefore}, after: {loadAfter})");
        Console.WriteLine($"| {"path",-62} | {"seconds",8} | {"images/s",8} | {"vs plain",8} | {"load s",6} | {"peak RSS MiB",12} | settings");
        Console.WriteLine($"|{new string('-', 64)}|{new string('-', 10)}|{new string('-', 10)}|{new string('-', 10)}|{new string('-', 8)}|{new string('-', 14)}|---------");
        foreach (var r in new[] { ours, plain, mlnet })
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Name,-62} | {r.Seconds,8:0.00} | {r.Images / r.Seconds,8:0.0} | {plain.Seconds / r.Seconds,7:0.00}x | {r.LoadSeconds,6:0.0} | {r.PeakRssMiB,12:0} | {r.Settings}"));
        }
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"NeuroLab's pass: network {ours.NetworkSeconds:0.00} s (preprocessing included), readers {ours.ReadingSeconds:0.00} s summed over threads (alongside the network); every stage comes out of the same pass at {ours.Images / ours.Seconds:0.0} images/s."));
        Console.WriteLine($"| {"stage",-8} | {"output",-16} | {"features (grid 2)",17} | {"pooling s",9} | {"pooling images/s",16}");
        Console.WriteLine($"|{new string('-', 10)}|{new string('-', 18)}|{new string('-', 19)}|{new string('-', 11)}|------------------");
        for (int s = 0; s < ResNet18Stage.All.Count; s++)
        {
            var stage = ResNet18Stage.All[s];
            var output = new ResNet18Extraction.Output(stage, Math.Min(2, stage.Side));
            double pooling = ours.PoolingSeconds![s];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {stage.Name,-8} | {$"{stage.Channels}x{stage.Side}x{stage.Side}",-16} | {output.Width,17} | {pooling,9:0.000} | {ours.Images / pooling,16:0}"));
        }
        Console.WriteLine(JsonSerializer.Serialize(new { images = ours.Images, seconds = Math.Round(ours.Seconds, 3), images_per_s = Math.Round(ours.Images / ours.Seconds, 2), peak_rss_MiB = Math.Round(ours.PeakRssMiB, 1) }));
    }

    /// <summary>Runs one child case and prints its JSON line.</summary>
    public static async Task CaseAsync(string name, string directory, int count)
    {
        var images = Images(directory, count);
        var run = name switch
        {
            "features-ours" => await OursAsync(images),
            "features-plain" => Plain(images),
            "features-mlnet" => MlNet(images),
            _ => throw new ArgumentException($"unknown case {name}"),
        };
        Console.WriteLine(JsonSerializer.Serialize(run with { PeakRssMiB = Memory.PeakRssMiB() }));
    }

    private static List<string> Images(string directory, int? limit)
    {
        string[] extensions = [".jpg", ".jpeg", ".png"];
        var files = Directory.EnumerateFiles(directory).Where(f => extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal).ToList();
        return limit is { } n ? [.. files.Take(n)] : files;
    }

    private static float[] ReadInput(string path)
    {
        using var stream = new MemoryStream(File.ReadAllBytes(path));
        return ResNet18Model.ReadInput(stream, Path.GetFileName(path));
    }

    private static async Task<Run> OursAsync(List<string> images)
    {
        var load = Stopwatch.StartNew();
        using var model = new ResNet18Model();
        model.Run(new float[ResNet18Model.InputLength], [ResNet18Stage.All[^1]]);
        load.Stop();
        var outputs = ResNet18Stage.All.Select(s => new ResNet18Extraction.Output(s, Math.Min(2, s.Side))).ToArray();
        var sw = Stopwatch.StartNew();
        var result = await ResNet18Extraction.RunAsync(model, images.Count, (i, _) => ValueTask.FromResult(ReadInput(images[i])), outputs, null, CancellationToken.None);
        sw.Stop();
        return new Run($"NeuroLab: one pass, 6 stages pooled, batches of {ResNet18Extraction.BatchSize}", images.Count, sw.Elapsed.TotalSeconds, load.Elapsed.TotalSeconds, 0,
            ResNet18Model.SessionSettings + $"; {Math.Max(1, Environment.ProcessorCount / 2)} reader(s)",
            result.Network.TotalSeconds, result.Reading.TotalSeconds, [.. result.Pooling.Select(p => p.TotalSeconds)]);
    }

    private static Run Plain(List<string> images)
    {
        var load = Stopwatch.StartNew();
        var directory = new ResNet18Model().Directory;
        using var options = new SessionOptions { IntraOpNumThreads = 2, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        using var prep = new InferenceSession(Path.Combine(directory, "ResNetPrepOnnx", "ResNetPreprocess.onnx"), options);
        using var net = new InferenceSession(Path.Combine(directory, "ResNet18Onnx", "ResNet18.onnx"), options);
        string prepInput = prep.InputMetadata.Keys.Single(), prepOutput = prep.OutputMetadata.Keys.Single();
        string netInput = net.InputMetadata.Keys.Single(), netOutput = net.OutputMetadata.Keys.Single();
        load.Stop();
        using var runOptions = new RunOptions();
        double checksum = 0;
        var sw = Stopwatch.StartNew();
        foreach (var path in images)
        {
            using var pixels = OrtValue.CreateTensorValueFromMemory(ReadInput(path), [1, 3, ResNet18Model.InputSize, ResNet18Model.InputSize]);
            using var prepared = prep.Run(runOptions, [prepInput], [pixels], [prepOutput]);
            using var features = net.Run(runOptions, [netInput], [prepared[0]], [netOutput]);
            checksum += features[0].GetTensorDataAsSpan<float>()[0];
        }
        sw.Stop();
        return new Run("plain loop: one image at a time through both graphs (pool only)", images.Count, sw.Elapsed.TotalSeconds, load.Elapsed.TotalSeconds, 0,
            string.Create(CultureInfo.InvariantCulture, $"ONNX Runtime defaults, intra-op threads 2, batch 1 (checksum {checksum:0.###})"));
    }

    private sealed class ImagePath
    {
        public string Path { get; set; } = "";
    }

    private static Run MlNet(List<string> images)
    {
        var load = Stopwatch.StartNew();
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(images.Select(i => new ImagePath { Path = i }));
        var directory = new ResNet18Model().Directory;
        var pipeline = ml.Transforms.LoadImages("Image", "", nameof(ImagePath.Path))
            .Append(ml.Transforms.ResizeImages("Image", ResNet18Model.InputSize, ResNet18Model.InputSize))
            .Append(ml.Transforms.ExtractPixels("Pixels", "Image"))
            .Append(ml.Transforms.DnnFeaturizeImage("Features", m => m.ModelSelector.ResNet18(ml, m.OutputColumn, m.InputColumn, directory), "Pixels"));
        var fitted = pipeline.Fit(data);
        load.Stop();
        var sw = Stopwatch.StartNew();
        var features = fitted.Transform(data).GetColumn<float[]>("Features").ToList();
        sw.Stop();
        return new Run("ML.NET 6.0.0 DnnImageFeaturizer pipeline (pool only)", features.Count, sw.Elapsed.TotalSeconds, load.Elapsed.TotalSeconds, 0,
            "ML.NET's OnnxTransformer session defaults (ONNX Runtime 1.32.0), one image per Run");
    }
}
