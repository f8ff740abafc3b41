using NeuroLab.Compute.Geometry;
using NeuroLab.Data.Datasets;
using NeuroLab.Data.Storage;
using NeuroLab.Formats;
using NeuroLab.Formats.Nifti;
using NeuroLab.Formats.Numpy;

namespace NeuroLab.Compute.Tests.Geometry;

public sealed class UnitGeometryTests
{
    // An oblique, anisotropic voxel-to-world affine (axes permuted and flipped), so a transposed index or a dropped
    // offset changes the answer.
    internal static readonly double[,] Affine = { { 0, -2, 0, 10 }, { 3, 0, 0, -20 }, { 0, 0, 4, 5 }, { 0, 0, 0, 1 } };

    internal static readonly long[] Grid = [4, 3, 2];

    // Five units, in no grid order.
    internal static readonly int[] Voxels = [1, 2, 1, 0, 0, 0, 3, 1, 0, 2, 2, 1, 3, 0, 1];

    internal static readonly double[] Values = [0.5, -1.25, 3, 1e-3, -7];

    private static UnitGeometry Geometry() => new(Grid, Affine, sformCode: 4, qformCode: 2, Voxels);

    [Fact]
    public void UnitGeometry_UnitsToVolumeToUnits_RoundTrips()
    {
        var geometry = Geometry();
        var volume = geometry.ToVolume(Values);
        Assert.Equal(Grid, volume.Shape);
        Assert.Equal(ArrayOrder.Fortran, volume.Order);
        // float32 volume: the values come back as float32.
        Assert.Equal(Values.Select(v => (double)(float)v), geometry.FromVolume(volume));
        // Every voxel without a unit is NaN; each unit's value is at its voxel (x fastest).
        var data = volume.ToFloat64();
        Assert.Equal(4 * 3 * 2 - 5, data.Count(double.IsNaN));
        Assert.Equal(0.5, data[1 + 4 * (2 + 3 * 1)]);
        for (int u = 0; u < geometry.UnitCount; u++)
        {
            Assert.Equal(u, geometry.UnitAt(geometry.VoxelOf(u)));
        }
        Assert.Null(geometry.UnitAt(new VoxelIndex(1, 1, 1)));
    }

    [Fact]
    public void WriteVolume_ReadBackWithNiftiReader_KeepsGridAffineCodesAndUnitValues()
    {
        var geometry = Geometry();
        using var bytes = new MemoryStream();
        geometry.WriteVolume(bytes, Values, "NeuroLab test_r");
        bytes.Position = 0;
        var image = NiftiReader.Read(bytes, "test_r.nii.gz");
        Assert.Equal(Grid, image.Header.Shape);
        Assert.Equal(4, image.Header.SFormCode);
        Assert.Equal(4, image.Header.QFormCode);
        Assert.Equal("NeuroLab test_r", image.Header.Description);
        for (int r = 0; r < 4; r++)
        {
            for (int c = 0; c < 4; c++)
            {
                // float32 sform rows.
                Assert.Equal(Affine[r, c], image.Affine[r, c], 1e-6);
            }
        }
        Assert.Equal(Values.Select(v => (double)(float)v), geometry.FromVolume(image.Data));
    }

    [Fact]
    public void WorldOf_Unit_IsTheAffineTimesTheVoxel()
    {
        // Closed form: unit 0 is voxel (1, 2, 1); Affine · [1, 2, 1, 1] = (-2·2 + 10, 3·1 - 20, 4·1 + 5).
        var geometry = Geometry();
        Assert.Equal([6.0, -17, 9], geometry.WorldOf(0));
        // Unit 1 is voxel (0, 0, 0): the affine's offset column.
        Assert.Equal([10.0, -20, 5], geometry.WorldOf(1));
        Assert.Equal(geometry.WorldOf(2), geometry.WorldOf(new VoxelIndex(3, 1, 0)));
    }

    [Fact]
    public void Constructor_VoxelOutsideTheGrid_IsRefusedNamingUnitVoxelAndGrid()
    {
        var e = Assert.Throws<ArgumentException>(() => new UnitGeometry(Grid, Affine, 4, 2, [0, 0, 0, 4, 0, 0]));
        Assert.Contains("Unit 1 is at voxel (4, 0, 0), outside the reference grid 4 x 3 x 2", e.Message, StringComparison.Ordinal);
        var negative = Assert.Throws<ArgumentException>(() => new UnitGeometry(Grid, Affine, 4, 2, [0, -1, 0]));
        Assert.Contains("Unit 0 is at voxel (0, -1, 0)", negative.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnitAt_VoxelOutsideTheGrid_IsRefused()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Geometry().UnitAt(new VoxelIndex(0, 3, 0)));
        Assert.Contains("Voxel (0, 3, 0) is outside the reference grid 4 x 3 x 2", e.Message, StringComparison.Ordinal);
        Assert.False(Geometry().Contains(new VoxelIndex(0, 3, 0)));
    }

    [Fact]
    public void Constructor_TwoUnitsOnOneVoxel_AreRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => new UnitGeometry(Grid, Affine, 4, 2, [1, 1, 1, 0, 0, 0, 1, 1, 1]));
        Assert.Contains("Units 0 and 2 are both at voxel (1, 1, 1)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToVolume_WrongNumberOfValues_IsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => Geometry().ToVolume([1, 2]));
        Assert.Contains("2 values for 5 units", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromReference_CoordinatesThatAreNotVoxelIndices_AreRefused()
    {
        var header = ReferenceHeader();
        var fractional = new NumericArray(NumericType.Float64, [2, 3], new double[] { 0, 0, 0, 1.5, 0, 0 });
        var e = Assert.Throws<ArgumentException>(() => UnitGeometry.FromReference(header, fractional));
        Assert.Contains("Unit 1 has coordinate 1.5 along axis i", e.Message, StringComparison.Ordinal);
        var flat = new NumericArray(NumericType.Int32, [6], new[] { 0, 0, 0, 1, 0, 0 });
        Assert.Contains("[units, 3]", Assert.Throws<ArgumentException>(() => UnitGeometry.FromReference(header, flat)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromReference_FourDimensionalReference_UsesItsFirstThreeDimensions()
    {
        var geometry = UnitGeometry.FromReference(ReferenceHeader(frames: 3), new NumericArray(NumericType.Int32, [5, 3], Voxels));
        Assert.Equal(Grid, geometry.Shape);
        Assert.Equal(4, geometry.SFormCode);
        Assert.Equal([6.0, -17, 9], geometry.WorldOf(0).Select(v => Math.Round(v, 4)));
    }

    [Fact]
    public async Task Service_UnitsThatAreNotVoxels_HaveNoGeometry_VoxelsOnANiftiReferenceHaveOne()
    {
        var root = Directory.CreateTempSubdirectory("neurolab-geometry-").FullName;
        try
        {
            using var database = new TestDatabase();
            var store = new ContentStore(root);
            var service = new UnitGeometryService(database.Factory, store);
            var coordinates = await store.AddAsync(s => NpyWriter.Write(s, new NumericArray(NumericType.Int32, [5, 3], Voxels)));
            var volume = await store.AddAsync(s => NiftiWriter.Write(s, new NumericArray(NumericType.Float32, Grid, new float[24], ArrayOrder.Fortran), Affine,
                new NiftiWriteOptions { XFormCode = 4 }));
            var nifti = new DatasetFile { FileName = "mask.nii", Format = "nifti", Sha256 = volume.Sha256, ImportedByUserId = "alice" };
            ResponseSet Set(UnitKind kind, string? coordinatesSha) =>
                new() { Name = "set", UnitKind = kind, ArraySha256 = "unused", Provenance = "uploaded", UnitCoordinatesSha256 = coordinatesSha, UnitCount = 5 };

            Assert.Null(await service.ForResponseSetAsync(Set(UnitKind.Neuron, coordinates.Sha256), nifti));
            Assert.Null(await service.ForResponseSetAsync(Set(UnitKind.Vertex, coordinates.Sha256), nifti));
            Assert.Null(await service.ForResponseSetAsync(Set(UnitKind.Voxel, null), nifti));
            Assert.Null(await service.ForResponseSetAsync(Set(UnitKind.Voxel, coordinates.Sha256), null));
            Assert.Null(await service.ForResponseSetAsync(Set(UnitKind.Voxel, coordinates.Sha256), new DatasetFile { FileName = "x.gii", Format = "gifti", Sha256 = volume.Sha256, ImportedByUserId = "alice" }));
            Assert.Null(await service.ForResponseSetAsync(Guid.NewGuid()));

            var geometry = await service.ForResponseSetAsync(Set(UnitKind.Voxel, coordinates.Sha256), nifti);
            Assert.NotNull(geometry);
            Assert.Equal(Grid, geometry.Shape);
            Assert.Equal(5, geometry.UnitCount);
            Assert.Equal(new VoxelIndex(3, 0, 1), geometry.VoxelOf(4));
            Assert.Equal((short)4, geometry.XFormCode);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static NiftiHeader ReferenceHeader(int frames = 1)
    {
        long[] shape = frames > 1 ? [.. Grid, frames] : Grid;
        using var bytes = new MemoryStream();
        NiftiWriter.Write(bytes, new NumericArray(NumericType.Float32, shape, new float[24 * frames], ArrayOrder.Fortran), Affine, new NiftiWriteOptions { XFormCode = 4 });
        bytes.Position = 0;
        return NiftiReader.ReadHeader(bytes, "reference.nii");
    }
}
