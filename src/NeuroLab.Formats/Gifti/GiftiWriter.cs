using System.Globalization;
using System.Text;

namespace NeuroLab.Formats.Gifti;

/// <summary>
/// Writes per-vertex maps as GIFTI 1.0 functional files (one float32 DataArray per map, Base64Binary, little
/// endian, RowMajorOrder), the form FreeSurfer, nibabel and NiiVue read as surface overlays.
/// </summary>
public static class GiftiWriter
{
    /// <summary>Writes one or more per-vertex maps of equal length.</summary>
    /// <param name="stream">Destination (left open).</param>
    /// <param name="maps">Named maps: NaN marks vertices without a value.</param>
    /// <param name="intent">Intent of every array (default <see cref="GiftiIntents.None"/>).</param>
    /// <param name="anatomicalStructure">GIFTI AnatomicalStructurePrimary, e.g. CortexLeft, or null.</param>
    public static void WritePerVertex(Stream stream, IReadOnlyList<(string Name, float[] Values)> maps, string intent = GiftiIntents.None, string? anatomicalStructure = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(maps);
        if (maps.Count == 0 || maps.Any(m => m.Values.Length != maps[0].Values.Length) || maps[0].Values.Length == 0)
        {
            throw new ArgumentException("Give one or more non-empty maps of the same length.", nameof(maps));
        }
        var xml = new StringBuilder();
        xml.Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE GIFTI SYSTEM \"http://www.nitrc.org/frs/download.php/115/gifti.dtd\">\n");
        xml.Append(CultureInfo.InvariantCulture, $"<GIFTI Version=\"1.0\" NumberOfDataArrays=\"{maps.Count}\">\n<MetaData>\n");
        Meta(xml, "generator", "NeuroLab");
        if (anatomicalStructure is not null)
        {
            Meta(xml, "AnatomicalStructurePrimary", anatomicalStructure);
        }
        xml.Append("</MetaData>\n<LabelTable/>\n");
        foreach (var (name, values) in maps)
        {
            xml.Append(CultureInfo.InvariantCulture,
                $"<DataArray Intent=\"{intent}\" DataType=\"NIFTI_TYPE_FLOAT32\" ArrayIndexingOrder=\"RowMajorOrder\" Dimensionality=\"1\" Dim0=\"{values.Length}\" Encoding=\"Base64Binary\" Endian=\"LittleEndian\" ExternalFileName=\"\" ExternalFileOffset=\"\">\n<MetaData>\n");
            Meta(xml, "Name", name);
            xml.Append("</MetaData>\n<Data>");
            var bytes = new byte[values.Length * sizeof(float)];
            for (int i = 0; i < values.Length; i++)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
            }
            xml.Append(Convert.ToBase64String(bytes));
            xml.Append("</Data>\n</DataArray>\n");
        }
        xml.Append("</GIFTI>\n");
        var utf8 = new UTF8Encoding(false).GetBytes(xml.ToString());
        stream.Write(utf8);
    }

    private static void Meta(StringBuilder xml, string name, string value) =>
        xml.Append(CultureInfo.InvariantCulture, $"<MD><Name><![CDATA[{name}]]></Name><Value><![CDATA[{value.Replace("]]>", "]]]]><![CDATA[>", StringComparison.Ordinal)}]]></Value></MD>\n");
}
