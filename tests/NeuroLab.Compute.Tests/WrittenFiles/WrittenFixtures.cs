using NeuroLab.Analysis.Captions;
using NeuroLab.Compute.Geometry;
using NeuroLab.Compute.RunKinds.EncodingRidge;
using NeuroLab.Compute.RunKinds.VoxelCaptions;
using NeuroLab.Compute.Tests.Geometry;
using NeuroLab.Formats;
using NeuroLab.Formats.Gifti;
using NeuroLab.Formats.Numpy;

namespace NeuroLab.Compute.Tests.WrittenFiles;

/// <summary>
/// Files as NeuroLab writes them for users to take out (a unit map .nii.gz, .npy arrays, the runs' CSV tables, a
/// per-vertex .gii), from fixed inputs, through the same writers the jobs, the caption maps and the viewer call.
/// Committed under Fixtures/written/ and read by nibabel and numpy in Reference/written_files_reference.py.
/// </summary>
internal static class WrittenFixtures
{
    public static string Folder => Path.Combine(SharedData.RepositoryRoot, "tests", "NeuroLab.Compute.Tests", "Fixtures", "written");

    public static UnitGeometry Geometry => new(UnitGeometryTests.Grid, UnitGeometryTests.Affine, sformCode: 4, qformCode: 2, UnitGeometryTests.Voxels);

    /// <summary>float32 [3, 4], C order: value = 10·row + column − 0.5.</summary>
    public static float[] Predictions => [.. Enumerable.Range(0, 12).Select(n => 10f * (n / 4) + n % 4 - 0.5f)];

    /// <summary>float32 [2, 3] stored in Fortran order: element [r, c] = r + 0.25·c.</summary>
    public static float[] FortranValues => [0f, 1f, 0.25f, 1.25f, 0.5f, 1.5f];

    /// <summary>float64 [4] with a NaN and an infinity.</summary>
    public static double[] Float64Values => [Math.PI, double.NaN, double.NegativeInfinity, -1e-300];

    public static double[] TestR => [0.5, -0.125, 1e-7, double.NaN];

    public static double[] TestR2 => [0.25, -0.0625, 0, double.NaN];

    public static double[] BestAlpha => [1, 1000, 1e6, 10];

    public static IReadOnlyList<UnitCaption> Captions =>
    [
        new(0, 0.75, "Prefers face and human.", [new KeywordScore("face", 2.5, 0.1, 7.9, 8, 20), new KeywordScore("human", 1.5, 0.2, 3.4, 6, 30)], [], [], 0.625, "face"),
        new(3, 0.125, "Prefers \"scissors\", chairs; mostly.", [new KeywordScore("scissors", 1, 0.5, 1.4, 3, 9)], [], [], double.NaN, null),
    ];

    public static float[] LeftValues => [0.5f, float.NaN, -2f, 1e-3f, 7f];

    public static float[] RightValues => [1f, 2f, 3f, 4f, float.NaN];

    /// <summary>Each fixture's file name and bytes.</summary>
    public static IReadOnlyList<(string Name, byte[] Bytes)> Create() =>
    [
        ("unit_map.nii.gz", Write(s => Geometry.WriteVolume(s, UnitGeometryTests.Values, "NeuroLab test_r"))),
        ("predictions_f32.npy", Write(s => NpyWriter.Write(s, new NumericArray(NumericType.Float32, [3, 4], Predictions)))),
        ("coordinates_i32.npy", Write(s => NpyWriter.Write(s, new NumericArray(NumericType.Int32, [5, 3], UnitGeometryTests.Voxels)))),
        ("fortran_f32.npy", Write(s => NpyWriter.Write(s, new NumericArray(NumericType.Float32, [2, 3], FortranValues, ArrayOrder.Fortran)))),
        ("values_f64.npy", Write(s => NpyWriter.Write(s, new NumericArray(NumericType.Float64, [4], Float64Values)))),
        ("units.csv", Write(s => EncodingRidgeJob.WriteCsv(s, TestR, TestR2, BestAlpha))),
        ("captions.csv", Write(s => VoxelCaptionsJob.WriteCsv(s, Captions))),
        ("surface_map.gii", Write(s => GiftiWriter.WritePerVertex(s, [("test_r left", LeftValues), ("test_r right", RightValues)], anatomicalStructure: "CortexLeft"))),
    ];

    private static byte[] Write(Action<Stream> write)
    {
        using var stream = new MemoryStream();
        write(stream);
        return stream.ToArray();
    }
}
