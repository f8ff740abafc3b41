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

    [Theory]
    [InlineData("ascii_surface.gii")]
    [InlineData("base64_labels.gii")]
    [InlineData("colmajor.gii")]
    [InlineData("bigendian.gii")]
    [InlineData("base64_types.gii")]
    [InlineData("external.gii")]
    public void Write_WholeFile_ReadsBackTheSameDocumentWithoutExternalData(string fixture)
    {
        var original = GiftiReader.Read(GiftiTestFiles.Fixture(fixture), externalFiles: GiftiTestFiles.Companions("external.gii.dat"));
        using var stream = new MemoryStream();

        GiftiWriter.Write(stream, original);
        stream.Position = 0;
        var copy = GiftiReader.Read(stream, fixture);

        Assert.Equal(original.MetaData.Entries, copy.MetaData.Entries);
        Assert.Equal(original.LabelTable, copy.LabelTable);
        Assert.Equal(original.DataArrays.Count, copy.DataArrays.Count);
        for (int i = 0; i < original.DataArrays.Count; i++)
        {
            var (a, b) = (original.DataArrays[i], copy.DataArrays[i]);
            Assert.Equal(GiftiEncoding.GZipBase64Binary, b.Encoding);
            Assert.Null(b.ExternalFile);
            Assert.Equal(a.Intent, b.Intent);
            Assert.Equal(a.Array.Type, b.Array.Type);
            Assert.Equal(a.Array.Shape, b.Array.Shape);
            Assert.Equal(a.Array.Order, b.Array.Order);
            Assert.Equal(a.Array.AsBytesSpan().ToArray(), b.Array.AsBytesSpan().ToArray());
            Assert.Equal(a.MetaData.Entries, b.MetaData.Entries);
            Assert.Equal(a.CoordinateSystems.Count, b.CoordinateSystems.Count);
            for (int c = 0; c < a.CoordinateSystems.Count; c++)
            {
                Assert.Equal(a.CoordinateSystems[c].DataSpace, b.CoordinateSystems[c].DataSpace);
                Assert.Equal(a.CoordinateSystems[c].Matrix, b.CoordinateSystems[c].Matrix);
            }
        }
    }
}
