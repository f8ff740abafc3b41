using System.Diagnostics;
using System.Globalization;
using NeuroLab.Analysis.Training;
using static TorchSharp.torch;

namespace NeuroLab.Bench;

/// <summary>
/// Training throughput of the neural image decoder (<see cref="ImageDecoderTrainer"/>, the reconstruction-decoder kind)
/// on digits-shaped data (timing only): 3,092 units -> 512 hidden -> 28 x 28 pixels, 81 fitting and 9 validation samples
/// (the van Gerven split), and an NSD-shaped case: 15,000 units -> 512 -> 64 x 64, 8,000 fitting samples. Fixed epochs
/// (no early stopping), examples every 5 epochs as the kind sends them; the digits case again with a ResNet-18 feature
/// loss (stem, layer1 at weight 0.01; images fed at 64 x 64, the kind's defaults). Prints samples per second of training.
/// </summary>
internal static class DecoderBench
{
    public static void Run() => Child.PrintTable("Neural image decoder training (each case in a fresh process)",
    [
        Child.Run("decoder", "3092", "784", "81", "100"),
        Child.Run("decoder", "3092", "784", "81", "100", "stem"),
        Child.Run("decoder", "3092", "784", "81", "100", "layer1"),
        Child.Run("decoder", "15000", "4096", "8000", "3"),
    ]);

    public static Measurement Train(int units, int pixels, int samples, int epochs, string? featureLoss = null)
    {
        var random = new Random(1);
        var x = tensor(Enumerable.Range(0, samples * units).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray(), [samples, units]);
        var y = tensor(Enumerable.Range(0, samples * pixels).Select(_ => (float)random.NextDouble()).ToArray(), [samples, pixels]);
        var xVal = x.narrow(0, 0, Math.Min(9, samples));
        var yVal = y.narrow(0, 0, Math.Min(9, samples));
        using var model = featureLoss is null ? null : new NeuroLab.Compute.Features.ResNet18.ResNet18Model();
        using var network = model is null ? null : new NeuroLab.Compute.Features.ResNet18.ResNet18FeatureLoss(model,
            NeuroLab.Compute.Features.ResNet18.ResNet18Stage.All.Single(s => s.Name == featureLoss), (int)Math.Round(Math.Sqrt(pixels)), 64);
        using var trainer = new ImageDecoderTrainer(units, pixels,
            new ImageDecoderOptions { MaxEpochs = epochs, Patience = epochs + 1, FeatureLossWeight = featureLoss is null ? 0 : 0.01 }, network);
        var sw = Stopwatch.StartNew();
        double firstExamples = double.NaN;
        trainer.Train(x, y, xVal, yVal, [0, 1, 2, 3, 4, 5, 6, 7], new Sync(e =>
        {
            if (e.Examples is not null && double.IsNaN(firstExamples))
            {
                firstExamples = sw.Elapsed.TotalSeconds;
            }
        }));
        double seconds = sw.Elapsed.TotalSeconds;
        return new Measurement($"decoder {units} units -> {pixels} pixels, {samples} samples{(featureLoss is null ? "" : $", resnet18:{featureLoss} loss (weight 0.01)")}", seconds, 0,
            string.Create(CultureInfo.InvariantCulture, $"{epochs} epochs, {(double)samples * epochs / seconds:0} samples/s, first examples after {firstExamples:0.00} s, {get_num_threads()} threads"));
    }

    private sealed class Sync(Action<ImageDecoderEpoch> report) : IProgress<ImageDecoderEpoch>
    {
        public void Report(ImageDecoderEpoch value) => report(value);
    }
}
