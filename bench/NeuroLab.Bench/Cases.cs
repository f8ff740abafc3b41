using System.Diagnostics;
using NeuroLab.Formats.Nifti;

namespace NeuroLab.Bench;

/// <summary>The measured operations, run one per child process.</summary>
internal static class Cases
{
    public static async Task<Measurement> RunAsync(string name, string[] args)
    {
        var sw = Stopwatch.StartNew();
        switch (name)
        {
            case "nifti-read":
            {
                var image = NiftiReader.Read(args[0]);
                sw.Stop();
                return new Measurement($"read whole {Path.GetFileName(args[0])}", sw.Elapsed.TotalSeconds, 0, $"{image.Data.ShapeText} {image.Data.Type}");
            }
            case "nifti-stream":
            {
                double sum = 0;
                int count = 0;
                foreach (var volume in NiftiReader.ReadVolumes(args[0]))
                {
                    sum += volume.AsSpan<float>()[0];
                    count++;
                }
                sw.Stop();
                return new Measurement($"stream volumes {Path.GetFileName(args[0])}", sw.Elapsed.TotalSeconds, 0, $"{count} volumes (checksum {sum:0.###})");
            }
            case "hostile":
                return HostileFilesBench.Inspect(args[0]);
            case "catalogue":
                return await CatalogueBench.ImportAllAsync();
            case "captions":
                return CaptionsBench.Captions(int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture));
            case "vol2surf":
                return CaptionsBench.VolumeToSurface();
            case "decoder":
                return DecoderBench.Train(int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture),
                    int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture), int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture), args.Length > 4 ? args[4] : null);
            default:
                throw new ArgumentException($"unknown case {name}");
        }
    }
}
