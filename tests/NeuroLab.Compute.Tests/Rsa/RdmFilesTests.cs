using NeuroLab.Compute.Rsa;
using NeuroLab.Formats;
using NeuroLab.Formats.Numpy;

namespace NeuroLab.Compute.Tests.Rsa;

/// <summary>RDMs read from the k92 files and from hand-made arrays, with the refusals of matrices that are not RDMs.</summary>
public sealed class RdmFilesTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("rdmfiles-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Read_K92BrainRdms_FourSubjectsTwoSessionsOfHumanIt()
    {
        var rdms = RdmFiles.Read(SharedData.Path("k92/92_brainRDMs.mat"), "92_brainRDMs.mat", "mat");
        Assert.Equal(8, rdms.Count);
        Assert.All(rdms, r => Assert.Equal("hIT", r.Region));
        Assert.All(rdms, r => Assert.Equal(92, r.Conditions));
        Assert.All(rdms, r => Assert.Equal(92 * 91 / 2, r.Values.Length));
        Assert.Equal(["BE", "KO", "SN", "TI"], rdms.Select(r => r.Subject).Distinct().Order());
        Assert.Equal([1, 2], rdms.Select(r => r.Session).Distinct().Order());
    }

    [Fact]
    public void Read_K92ModelRdms_EightNamedModels()
    {
        var rdms = RdmFiles.Read(SharedData.Path("k92/92_modelRDMs.mat"), "92_modelRDMs.mat", "mat");
        Assert.Equal(["animacy", "FaceBodyManmadeNatobj", "monkeyIT", "EVA", "HMAX", "V1", "Silhouette", "RADON"], rdms.Select(r => r.Region));
        Assert.All(rdms, r => Assert.Null(r.Subject));
        // The animacy model: 0 within animate (rows 0-23 after scipy 1.10.1 loadmat) and within inanimate, 1 between.
        var animacy = rdms[0].Values;
        Assert.Equal(0, animacy[0]);
        Assert.Equal(1, animacy[Index(92, 0, 50)]);
    }

    [Fact]
    public void Read_NpyStackAndCondensed_NumberedSubjects()
    {
        var square = new double[] { 0, 1, 2, 1, 0, 3, 2, 3, 0 };
        var stack = new double[18];
        square.CopyTo(stack, 0);
        square.Select(v => v * 2).ToArray().CopyTo(stack, 9);
        var path = Path.Combine(_folder, "it.npy");
        NpyWriter.Write(path, new NumericArray(NumericType.Float64, [2, 3, 3], stack));
        var rdms = RdmFiles.Read(path, "it.npy", "npy");
        Assert.Equal(["1", "2"], rdms.Select(r => r.Subject));
        Assert.All(rdms, r => Assert.Equal("it", r.Region));
        Assert.Equal([1.0, 2, 3], rdms[0].Values);
        Assert.Equal([2.0, 4, 6], rdms[1].Values);

        var condensed = Path.Combine(_folder, "model.npy");
        NpyWriter.Write(condensed, new NumericArray(NumericType.Float64, [6], new double[] { 1, 2, 3, 4, 5, 6 }));
        var model = Assert.Single(RdmFiles.Read(condensed, "model.npy", "npy"));
        Assert.Equal(4, model.Conditions);
    }

    [Theory]
    [InlineData(new double[] { 0, 1, 2, 1.5, 0, 3, 2, 3, 0 }, "not symmetric: (1, 2)")]
    [InlineData(new double[] { 1, 1, 2, 1, 1, 3, 2, 3, 1 }, "on the diagonal")]
    [InlineData(new double[] { 0, 1, double.PositiveInfinity, 1, 0, 3, double.PositiveInfinity, 3, 0 }, "infinite")]
    public void Read_NotAnRdm_RefusedNamingTheProblem(double[] square, string expected)
    {
        var path = Path.Combine(_folder, "bad.npy");
        NpyWriter.Write(path, new NumericArray(NumericType.Float64, [3, 3], square));
        var e = Assert.Throws<FormatReadException>(() => RdmFiles.Read(path, "bad.npy", "npy"));
        Assert.Contains(expected, e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_VectorOfWrongLength_RefusedAsNotATriangle()
    {
        var path = Path.Combine(_folder, "short.npy");
        NpyWriter.Write(path, new NumericArray(NumericType.Float64, [5], new double[5]));
        var e = Assert.Throws<FormatReadException>(() => RdmFiles.Read(path, "short.npy", "npy"));
        Assert.Contains("not the upper triangle", e.Reason, StringComparison.Ordinal);
    }

    private static int Index(int n, int i, int j) => i * n - i * (i + 1) / 2 + (j - i - 1);
}
