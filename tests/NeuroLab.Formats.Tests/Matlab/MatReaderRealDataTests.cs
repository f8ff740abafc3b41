using NeuroLab.Formats.Tests.Support;
using NeuroLab.Formats.Matlab;

namespace NeuroLab.Formats.Tests.Matlab;

/// <summary>
/// Every real .mat file in the shared data folder, compared with scipy.io.loadmat (scipy 1.10.1,
/// mat_dtype=True for the MATLAB class, chars_as_strings=False for exact char shapes) through
/// Reference/mat_reference.json: order, shapes, classes, field names, strings, every value of small
/// arrays, six samples, three subscripted elements and the sum (relative 1e-9) of larger ones.
/// </summary>
public sealed class MatReaderRealDataTests
{
    public static TheoryData<string> RealFiles => [.. MatTestFiles.RealFiles];

    [Theory]
    [MemberData(nameof(RealFiles))]
    public void Read_RealFile_MatchesScipyLoadmat(string relative)
    {
        var file = MatReader.Read(SharedData.Path(relative));

        MatReferenceComparer.AssertFile(file, MatTestFiles.RealReference(relative));
        Assert.Equal(5, file.Version);
        Assert.False(file.IsBigEndian);
        Assert.Empty(file.Unsupported);
        Assert.Empty(file.Warnings);
    }

    [Fact]
    public void Read_VanGervenDigits_HasTrainAndTestSplits()
    {
        var file = MatReader.Read(SharedData.Path("vangerven-digits/digit69_28x28.mat"));

        var fmri = Assert.IsType<MatNumeric>(file["fmriTrn"]);
        Assert.Equal([90L, 3092L], fmri.Shape);
        Assert.Equal("double", fmri.ClassName);
        Assert.Equal(NumericType.Float64, fmri.Array.Type);
        // The file stores the stimuli as miUINT8 inside a double-class array; the class wins.
        var stimuli = Assert.IsType<MatNumeric>(file["stimTrn"]);
        Assert.Equal([90L, 784L], stimuli.Shape);
        Assert.Equal("double", stimuli.ClassName);
        Assert.Equal(NumericType.Float64, stimuli.Array.Type);
        var labels = Assert.IsType<MatNumeric>(file["labelTrn"]);
        Assert.Equal([90L, 1L], labels.Shape);
        Assert.All(labels.Array.ToFloat64(), v => Assert.True(v is 1 or 2));
        Assert.Equal([10L, 3092L], file["fmriTest"].Shape);
        Assert.Equal([10L, 784L], file["stimTest"].Shape);
    }

    [Fact]
    public void Read_Kriegeskorte_StimuliStructHoldsUint8Images()
    {
        var file = MatReader.Read(SharedData.Path("k92/Kriegeskorte_Neuron2008_supplementalData.mat"));

        var stimuli = Assert.IsType<MatStruct>(file["stimuli_92objs"]);
        Assert.Equal([1L, 92L], stimuli.Shape);
        Assert.Equal(["category", "human", "face", "animal", "natural", "image"], stimuli.FieldNames);
        var image = Assert.IsType<MatNumeric>(stimuli.Get("image", 91));
        Assert.Equal([175L, 175L, 3L], image.Shape);
        Assert.Equal("uint8", image.ClassName);
        Assert.Equal(NumericType.UInt8, image.Array.Type);
        Assert.Equal("artificial inanimate", Assert.IsType<MatChar>(stimuli.Get("category", 91)).Text);
        var labels = Assert.IsType<MatCell>(file["categoryLabels"]);
        Assert.Equal([1L, 12L], labels.Shape);
        Assert.Equal("animate", Assert.IsType<MatChar>(labels[0]).Text);
        Assert.Equal("monkeyape", Assert.IsType<MatChar>(labels[11]).Text);
        Assert.Equal(["categoryLabels"], file.GlobalNames);
    }

    [Fact]
    public void Read_BrainRdms_ThreeDimensionalStructArrayOfSingleRdms()
    {
        var file = MatReader.Read(SharedData.Path("k92/92_brainRDMs.mat"));

        var rdms = Assert.IsType<MatStruct>(file["RDMs"]);
        Assert.Equal([1L, 4L, 2L], rdms.Shape);
        var rdm = Assert.IsType<MatNumeric>(rdms.Get("RDM", 7));
        Assert.Equal([92L, 92L], rdm.Shape);
        Assert.Equal("single", rdm.ClassName);
        // An RDM is symmetric with a zero diagonal.
        Assert.Equal(0, rdm.Array[5, 5]);
        Assert.Equal(rdm.Array[3, 70], rdm.Array[70, 3]);
        Assert.Equal("hIT | TI | Session: 2", rdms.Get("name", 7).ToString());
    }

    [Fact]
    public void Read_ModelRdmsA2020_HasSixtyThreeLayers()
    {
        var file = MatReader.Read(SharedData.Path("k92/modelRDMs_A2020.mat"));

        var models = Assert.IsType<MatStruct>(file["modelRDMs"]);
        Assert.Equal(63, models.Elements.Count);
        Assert.Equal("conv1", models.Get("reprName", 0).ToString());
        Assert.Equal("prob", models.Get("reprName", 62).ToString());
        Assert.Equal([1L, 4186L], models.Get("RDM", 0).Shape);
    }

    [Fact]
    public void Read_ForwardOnlyStream_SameAsFromPath()
    {
        var path = SharedData.Path("k92/92_modelRDMs.mat");
        var fromPath = MatReader.Read(path);

        using var stream = new ForwardOnlyStream(File.OpenRead(path));
        var fromStream = MatReader.Read(stream, "92_modelRDMs.mat");

        MatReferenceComparer.AssertFile(fromStream, MatTestFiles.RealReference("k92/92_modelRDMs.mat"));
        Assert.Equal(fromPath.Variables.Keys, fromStream.Variables.Keys);
    }
}
