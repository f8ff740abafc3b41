using NeuroLab.Formats.Gifti;

namespace NeuroLab.Formats.Tests.Gifti;

public sealed class GiftiWriterTests
{
    [Fact]
    public void PerVertexMaps_RoundTripThroughTheReader()
    {
        float[] a = [0.5f, -1.25f, float.NaN, 3e-8f, float.MaxValue];
        float[] b = [1, 2, 3, 4, 5];
        using var stream = new MemoryStream();
        GiftiWriter.WritePerVertex(stream, [("test_r on fsaverage5", a), ("second", b)], anatomicalStructure: "CortexLeft");
        stream.Position = 0;
        var file = GiftiReader.Read(stream, "maps.gii");
        Assert.Equal(2, file.DataArrays.Count);
        Assert.Equal("CortexLeft", file.MetaData["AnatomicalStructurePrimary"]);
        Assert.Equal("test_r on fsaverage5", file.DataArrays[0].MetaData["Name"]);
        Assert.Equal(GiftiIntents.None, file.DataArrays[0].Intent);
        Assert.Equal([5L], file.DataArrays[0].Array.Shape);
        Assert.Equal(a, file.DataArrays[0].Array.ToFloat32());
        Assert.Equal(b, file.DataArrays[1].Array.ToFloat32());
    }

    [Fact]
    public void EmptyOrUnequalMaps_AreRefused()
    {
        Assert.Throws<ArgumentException>(() => GiftiWriter.WritePerVertex(Stream.Null, []));
        Assert.Throws<ArgumentException>(() => GiftiWriter.WritePerVertex(Stream.Null, [("a", new float[2]), ("b", new float[3])]));
    }
}
