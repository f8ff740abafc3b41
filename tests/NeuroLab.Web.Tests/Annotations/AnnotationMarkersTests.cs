using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using NeuroLab.Formats.Nifti;
using NeuroLab.Web.Annotations;

namespace NeuroLab.Web.Tests.Annotations;

/// <summary>Comment markers painted on a background's grid, and served for the viewer.</summary>
public sealed class AnnotationMarkersTests : IDisposable
{
    private readonly NeuroLabAppFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    private static AnnotationMarker Marker(double x, double y, double z, double radius, bool resolved = false) =>
        new(Guid.NewGuid(), "point", [], x, y, z, radius, 1, resolved, "alice", "");

    private static (NiftiHeader Header, float[] Values) Read(byte[] gz)
    {
        using var input = new GZipStream(new MemoryStream(gz), CompressionMode.Decompress);
        var raw = new MemoryStream();
        input.CopyTo(raw);
        raw.Position = 0;
        var image = NiftiReader.Read(raw, "markers.nii");
        return (image.Header, (float[])image.Data.Data);
    }

    [Fact]
    public void Paint_BallOnA1mmGrid_HasTheBallsVolumeAndItsCentre()
    {
        // A 41^3 grid of 1 mm voxels centred on the origin (voxel 20 is x = 0).
        var grid = new MemoryStream();
        NiftiWriter.Write(grid, new NeuroLab.Formats.NumericArray(NeuroLab.Formats.NumericType.UInt8, [41, 41, 41], new byte[41 * 41 * 41], NeuroLab.Formats.ArrayOrder.Fortran),
            new double[,] { { 1, 0, 0, -20 }, { 0, 1, 0, -20 }, { 0, 0, 1, -20 }, { 0, 0, 0, 1 } });
        grid.Position = 0;
        var header = NiftiReader.Read(grid, "grid.nii").Header;
        using var output = new MemoryStream();
        AnnotationMarkers.Paint(output, header, [Marker(0, 0, 0, 8), Marker(-12, 12, 0, 0, resolved: true)]);
        var (read, values) = Read(output.ToArray());
        Assert.Equal([41L, 41, 41], read.Shape);
        float At(int i, int j, int k) => values[i + 41 * (j + 41 * k)];
        Assert.Equal(2f, At(20, 20, 20));
        Assert.Equal(2f, At(28, 20, 20));  // on the sphere (8 mm)
        Assert.Equal(0f, At(29, 20, 20));  // just outside
        // Lattice points in a ball of radius 8: 2,109 (Gauss's ball problem; counted by hand below) vs 4/3 pi 8^3 = 2,144.7.
        var range = Enumerable.Range(-8, 17).ToList();
        var expected = range.SelectMany(x => range.SelectMany(y => range.Select(z => x * x + y * y + z * z))).Count(d => d <= 64);
        Assert.Equal(2109, expected);
        Assert.Equal(expected, values.Count(v => v == 2f));
        // A radius-0 point still shows as a ball of the smallest drawn radius (4 mm: 257 lattice points), marked resolved.
        Assert.Equal(1f, At(8, 32, 20));
        Assert.Equal(257, values.Count(v => v == 1f));
    }

    [Fact]
    public async Task MarkersEndpoint_MniPointShowsOnTheTemplate_NoneIs404_OutsiderIs404()
    {
        var alice = await _factory.RegisterAndSignInAsync("alice@lab.org");
        var carol = await _factory.RegisterAndSignInAsync("carol@lab.org");
        var ws = (await (await alice.PostAsJsonAsync("/api/v1/workspaces", new { name = "Atlas work" })).JsonAsync()).GetProperty("id").GetGuid();
        var template = await (await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/datasets", new { sample = "mni152" })).JsonAsync();
        var dataset = template.GetProperty("dataset").GetProperty("id").GetString();
        var file = template.GetProperty("files")[0].GetProperty("id").GetString();
        var key = $"file:{dataset}:{file}";
        var url = $"/api/v1/workspaces/{ws}/annotations/markers.nii.gz?background={Uri.EscapeDataString(key)}";
        Assert.Equal(HttpStatusCode.NotFound, (await alice.GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/annotations", new { target = new { kind = "point", x = -42, y = -58, z = -14, radiusMm = 5 }, body = "FFA" })).StatusCode);

        var response = await alice.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var (header, values) = Read(await response.Content.ReadAsByteArrayAsync());
        var affine = header.BestAffine();
        // The voxel nearest (-42, -58, -14) is painted 2 (an open thread); far away is 0.
        int[] nearest = [0, 0, 0];
        var best = double.MaxValue;
        for (int i = 0; i < header.Shape[0]; i += 1)
        {
            var x = affine[0, 0] * i + affine[0, 3];
            if (Math.Abs(x + 42) < best) { best = Math.Abs(x + 42); nearest[0] = i; }
        }
        best = double.MaxValue;
        for (int j = 0; j < header.Shape[1]; j++)
        {
            var y = affine[1, 1] * j + affine[1, 3];
            if (Math.Abs(y + 58) < best) { best = Math.Abs(y + 58); nearest[1] = j; }
        }
        best = double.MaxValue;
        for (int k = 0; k < header.Shape[2]; k++)
        {
            var z = affine[2, 2] * k + affine[2, 3];
            if (Math.Abs(z + 14) < best) { best = Math.Abs(z + 14); nearest[2] = k; }
        }
        long Index(int i, int j, int k) => i + header.Shape[0] * (j + header.Shape[1] * k);
        Assert.Equal(2f, values[Index(nearest[0], nearest[1], nearest[2])]);
        Assert.Equal(0f, values[Index(0, 0, 0)]);
        Assert.True(values.Count(v => v == 2f) > 0);

        Assert.Equal(HttpStatusCode.NotFound, (await carol.GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await alice.GetAsync($"/api/v1/workspaces/{ws}/annotations/markers.nii.gz?background=nope")).StatusCode);
    }
}
