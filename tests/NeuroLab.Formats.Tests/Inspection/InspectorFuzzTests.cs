using System.IO.Compression;
using NeuroLab.Formats.Inspection;

namespace NeuroLab.Formats.Tests.Inspection;

/// <summary>
/// End-to-end fuzz of the upload path: real files of every format are corrupted (truncated, bytes flipped,
/// runs of bytes overwritten with extreme values, gzip damaged or re-wrapped) and handed to
/// <see cref="FileInspector"/> and <see cref="PreviewRenderer"/>, which detect the format by content and run the
/// matching reader. Over 1,000 seeded cases only <see cref="FormatReadException"/> may escape, and no case may
/// allocate an absurd amount.
/// </summary>
public sealed class InspectorFuzzTests : IDisposable
{
    private static readonly string[] _sources =
    [
        "haxby2001/sub001/BOLD/task001_run001/bold_25mm.nii.gz",
        "templates/spmMotor.nii.gz",
        "haxby2001/sub001/BOLD/task001_run001/bold_events.tsv",
        "abide-cc200/Pitt_0050003_rois_cc200.1D",
        "allen-v1/Allen_test_output.npy",
        "vangerven-digits/digit69_28x28.mat",
        "k92/92_brainRDMs.mat",
        "k92/images/00.png",
        "kay2008-stimuli/stimuli/0.jpg",
        "templates/fsaverage5/curv_left.gii.gz",
        "templates/aal.nii.txt",
    ];

    private readonly string _dir = Directory.CreateTempSubdirectory("neurolab-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Inspect_1100SeededCorruptions_OnlyFormatReadException()
    {
        var random = new Random(20261128);
        var limits = new InspectionLimits { MaxDecodedBytes = 64L << 20, MemoryBudgetBytes = 64L << 20 };
        int cases = 0, rejected = 0;
        foreach (var source in _sources)
        {
            var original = File.ReadAllBytes(SharedData.Path(source));
            for (int i = 0; i < 100; i++)
            {
                var bytes = Mutate(random, original);
                var path = Path.Combine(_dir, $"case{cases}{Path.GetExtension(source)}");
                File.WriteAllBytes(path, bytes);
                cases++;
                long before = GC.GetTotalAllocatedBytes(precise: false);
                try
                {
                    FileInspector.Inspect(path, Path.GetFileName(source), limits);
                    PreviewRenderer.RenderPng(path, Path.GetFileName(source), limits: limits);
                    PreviewRenderer.FileHistogram(path, limits: limits);
                }
                catch (FormatReadException e)
                {
                    rejected++;
                    Assert.False(string.IsNullOrWhiteSpace(e.Reason));
                }
                catch (Exception e)
                {
                    Assert.Fail($"case {cases} from {source} threw {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
                }
                var allocated = GC.GetTotalAllocatedBytes(precise: false) - before;
                Assert.True(allocated < 1L << 30, $"case {cases} from {source} allocated {allocated / 1048576} MiB");
                File.Delete(path);
            }
        }
        Assert.Equal(1100, cases);
        Assert.True(rejected > 300, $"only {rejected} of {cases} corruptions were detected");
    }

    private static byte[] Mutate(Random random, byte[] original)
    {
        var bytes = (byte[])original.Clone();
        switch (random.Next(5))
        {
            case 0:
                return bytes[..random.Next(bytes.Length)];
            case 1:
                for (int k = 0; k < 1 + random.Next(16); k++)
                {
                    bytes[random.Next(Math.Min(bytes.Length, 4096))] ^= (byte)(1 << random.Next(8));
                }
                return bytes;
            case 2:
                int at = random.Next(Math.Min(bytes.Length, 2048));
                byte[] fill = [0xFF, 0x00, 0x7F, 0x80];
                var value = fill[random.Next(fill.Length)];
                for (int k = 0; k < 8 && at + k < bytes.Length; k++)
                {
                    bytes[at + k] = value;
                }
                return bytes;
            case 3:
                bytes[random.Next(bytes.Length)] ^= 0xFF;
                return bytes;
            default:
                // Decompressed content re-wrapped in gzip and cut: exercises the gzip path of every reader.
                using (var memory = new MemoryStream())
                {
                    using (var gzip = new GZipStream(memory, CompressionLevel.Fastest, leaveOpen: true))
                    {
                        using var source = StreamReading.WrapMaybeGzip(new MemoryStream(original));
                        source.CopyTo(gzip);
                    }
                    var compressed = memory.ToArray();
                    return compressed[..Math.Max(2, random.Next(compressed.Length))];
                }
        }
    }
}
