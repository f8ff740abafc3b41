using System.Diagnostics;
using NeuroLab.Formats;
using NeuroLab.Formats.Nifti;
using NeuroLab.Tests.Shared;

namespace NeuroLab.Bench;

/// <summary>NIfTI parse times: the 1 mm MNI152 template, and a generated 1 GiB float32 4-D image read whole and streamed.</summary>
internal static class FormatsBench
{
    public static void Run()
    {
        var dir = Directory.CreateTempSubdirectory("neurolab-bench-").FullName;
        try
        {
            var big = Path.Combine(dir, "generated_1gib_float32.nii");
            var sw = Stopwatch.StartNew();
            Generate(big);
            Console.WriteLine($"generated {big} ({new FileInfo(big).Length / 1048576.0:N0} MiB) in {sw.Elapsed.TotalSeconds:0.0} s");
            var mni = SharedData.Path("templates/mni_icbm152_t1_tal_nlin_sym_09a_converted.nii.gz");
            Child.PrintTable("NIfTI parsing (each case in a fresh process; peak RSS includes the .NET runtime, ~30 MiB)",
            [
                Child.Run("nifti-read", mni),
                Child.Run("nifti-read", big),
                Child.Run("nifti-stream", big),
            ]);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>64 x 64 x 64 x 1024 float32 = 1 GiB of voxels, written volume by volume.</summary>
    private static void Generate(string path)
    {
        const int n = 64, volumes = 1024;
        var volume = new float[n * n * n];
        var random = new Random(1);
        for (int i = 0; i < volume.Length; i++)
        {
            volume[i] = (float)random.NextDouble();
        }
        double[,] affine = { { 2, 0, 0, -64 }, { 0, 2, 0, -64 }, { 0, 0, 2, -64 }, { 0, 0, 0, 1 } };
        using var file = File.Create(path);
        NiftiWriter.WriteHeader(file, [n, n, n, volumes], NumericType.Float32, affine, new NiftiWriteOptions { RepetitionTimeSeconds = 1.5 });
        var volumeBytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(volume.AsSpan());
        for (int v = 0; v < volumes; v++)
        {
            file.Write(volumeBytes);
        }
    }
}
