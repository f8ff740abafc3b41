using NeuroLab.Data.Storage;
using NeuroLab.Web.Viewer;

namespace NeuroLab.Web.Tests.Viewer;

/// <summary>The viewer's crosshair readout on real maps, against nibabel 5.0.0 (best affine inverted, nearest voxel).</summary>
public sealed class VolumeSamplerTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("neurolab-sampler-").FullName;
    private readonly ContentStore _store;
    private readonly VolumeSampler _sampler;

    public VolumeSamplerTests()
    {
        _store = new ContentStore(_root);
        _sampler = new VolumeSampler(_store, cacheBytes: 64L << 20);
    }

    public void Dispose()
    {
        _sampler.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    private string Add(string relative)
    {
        using var stream = File.OpenRead(SharedData.Path(relative));
        return _store.AddAsync(stream).GetAwaiter().GetResult().Sha256;
    }

    [Theory]
    [InlineData(-38, -22, 56, 58, 45, 63, -5.1383278565481305)]
    [InlineData(40, -22, 56, 19, 45, 63, 6.853453465271741)]
    [InlineData(-38, -18, 56, 58, 47, 63, -5.978268236853182)]
    public void SpmMotorMap_ValueAndVoxelAtWorldPosition(double x, double y, double z, int i, int j, int k, double expected)
    {
        var sha = Add("templates/spmMotor.nii.gz");
        var sample = _sampler.Sample(sha, "spmMotor.nii.gz", [x, y, z]);
        Assert.True(sample.Inside);
        Assert.Equal([i, j, k], sample.Ijk);
        Assert.Equal(expected, sample.Value, 1e-5);
        Assert.Equal([x, y, z], _sampler.VoxelToMm(sha, "spmMotor.nii.gz", sample.Ijk), (a, b) => Math.Abs(a - b) <= 1.0);
    }

    [Fact]
    public void AalAtlas_LabelCodesAndOutside()
    {
        var sha = Add("templates/aal.nii.gz");
        // nibabel 5.0.0 reads labels 1 and 2 there; aal.nii.txt names them Precentral_L and Precentral_R.
        Assert.Equal(1, _sampler.Sample(sha, "aal.nii.gz", [-38, -18, 56]).Value);
        Assert.Equal(2, _sampler.Sample(sha, "aal.nii.gz", [40, -22, 56]).Value);
        var outside = _sampler.Sample(sha, "aal.nii.gz", [500, 0, 0]);
        Assert.False(outside.Inside);
        Assert.True(double.IsNaN(outside.Value));
        Assert.Throws<ArgumentException>(() => _sampler.Sample(sha, "aal.nii.gz", [1, 2]));
    }

    [Fact]
    public void Stats_RangeAndRobustMaximum()
    {
        var stats = _sampler.Stats(Add("templates/spmMotor.nii.gz"), "spmMotor.nii.gz");
        Assert.True(stats.Min < 0 && stats.Max > 0);
        Assert.InRange(stats.P99Abs, 0.1, Math.Max(-stats.Min, stats.Max));
    }
}
