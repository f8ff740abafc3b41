using NeuroLab.Formats.Inspection;

namespace NeuroLab.Formats.Tests.Inspection;

/// <summary>PyTorch archives are zips like .npz; detection tells them apart by their entries.</summary>
public sealed class TorchArchiveDetectionTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("neurolab-torch-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    // Fixtures made by tools/torchscript/make_fixture.py with Debian's python3-torch 1.13.1.
    private static string Fixture(string name) =>
        Path.Combine(SharedData.RepositoryRoot, "tests", "NeuroLab.Analysis.Tests", "Fixtures", "features", name);

    [Fact]
    public void TorchScriptArchive_IsDetectedAndDescribed()
    {
        var path = Fixture("tiny_cnn_tuple.pt");
        Assert.Equal("torchscript", FormatDetector.Detect(path));
        var inspection = FileInspector.Inspect(path, "tiny_cnn_tuple.pt");
        Assert.Equal("torchscript", inspection.Format);
        Assert.Equal("tiny_cnn_tuple", inspection.Summary["archive"]);
        Assert.True((int)inspection.Summary["codeFiles"]! > 0);
    }

    [Fact]
    public void TorchSaveWeights_AreRefusedWithWhatToDoInstead()
    {
        var path = Fixture("tiny_cnn_state_dict.pt");
        Assert.Equal("pytorch-pickle", FormatDetector.Detect(path));
        var e = Assert.Throws<FormatReadException>(() => FileInspector.Inspect(path, "weights.pt"));
        Assert.Contains("weights.pt", e.Message, StringComparison.Ordinal);
        Assert.Contains("torch.jit.script", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TruncatedTorchScriptArchive_GivesAFormatError()
    {
        var bytes = File.ReadAllBytes(Fixture("tiny_cnn_tuple.pt"));
        var path = Path.Combine(_temp, "cut.pt");
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        // Without its central directory the zip cannot be classified; the .npz reader reports it.
        Assert.Throws<FormatReadException>(() => FileInspector.Inspect(path, "cut.pt"));
    }
}
