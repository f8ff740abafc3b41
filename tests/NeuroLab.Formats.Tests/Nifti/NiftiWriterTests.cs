using NeuroLab.Formats.Nifti;
using NeuroLab.Formats.Tests.Support;

namespace NeuroLab.Formats.Tests.Nifti;

public sealed class NiftiWriterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("neurolab-nifti-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("map.nii")]
    [InlineData("map.nii.gz")]
    public void RoundTrip_KeepsValuesShapeAndAffine(string name)
    {
        var source = NiftiReader.Read(SharedData.Path("templates/spmMotor.nii.gz"));
        var path = Path.Combine(_dir, name);
        var values = new NumericArray(NumericType.Float32, source.Data.Shape, source.ScaledFloat32(), ArrayOrder.Fortran);
        NiftiWriter.Write(path, values, source.Affine, new NiftiWriteOptions { XFormCode = 2, Description = "t-map" });

        var back = NiftiReader.Read(path);
        Assert.Equal(source.Data.Shape, back.Data.Shape);
        Assert.Equal(values.AsSpan<float>().ToArray(), back.Data.AsSpan<float>().ToArray());
        Assert.Equal(source.Header.OrientationCodes(), back.Header.OrientationCodes());
        Assert.Equal("t-map", back.Header.Description);
        // sform is exact (float32); the qform rebuilt from our quaternion agrees to float32 precision.
        NiftiReaderTests.AssertAffineClose(source.Affine, back.Header.SFormAffine(), 1e-5);
        NiftiReaderTests.AssertAffineClose(source.Affine, back.Header.QFormAffine(), 1e-4);
    }

    [Fact]
    public void Decompose_ObliqueAffineWithFlip_RebuildsThroughQForm()
    {
        // The NIfTI-2 fixture's oblique qform, flipped on x (negative determinant -> qfac = -1).
        var theta = 0.3;
        double[,] affine =
        {
            { -1.5 * Math.Cos(theta), -1.5 * Math.Sin(theta), 0, 10 },
            { -1.5 * Math.Sin(theta), 1.5 * Math.Cos(theta), 0, -20 },
            { 0, 0, 3, 30 },
            { 0, 0, 0, 1 },
        };
        var path = Path.Combine(_dir, "oblique.nii");
        NiftiWriter.Write(path, new NumericArray(NumericType.UInt8, [2, 2, 2], new byte[8], ArrayOrder.Fortran), affine);
        var header = NiftiReader.ReadHeader(path);
        NiftiReaderTests.AssertAffineClose(affine, header.QFormAffine(), 1e-5);
    }

    [Fact]
    public void COrderArray_IsRejectedWithReason()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            NiftiWriter.Write(Path.Combine(_dir, "x.nii"), new NumericArray(NumericType.UInt8, [2, 2], new byte[4]), new double[4, 4]));
        Assert.Contains("Fortran", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_dir));
    }
}
