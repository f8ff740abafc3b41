using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Xml;

namespace NeuroLab.Formats.Gifti;

/// <summary>
/// Writes per-vertex maps as GIFTI 1.0 functional files (one float32 DataArray per map, Base64Binary, little
/// endian, RowMajorOrder), the form FreeSurfer, nibabel and NiiVue read as surface overlays; and whole
/// <see cref="GiftiFile"/>s as self-contained documents (<see cref="Write"/>).
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

    /// <summary>
    /// Writes <paramref name="gifti"/> as one self-contained GIFTI 1.0 document: every array GZipBase64Binary (zlib,
    /// as nibabel writes), little endian, in its stored order and element type, with its metadata and coordinate
    /// systems; the file's metadata and label table as read. Used to fold ExternalFileBinary data into the .gii, so
    /// the stored file needs no companion.
    /// </summary>
    /// <param name="stream">Destination (left open).</param>
    /// <param name="gifti">The file to write.</param>
    public static void Write(Stream stream, GiftiFile gifti)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(gifti);
        var settings = new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true, CloseOutput = false };
        using var xml = XmlWriter.Create(stream, settings);
        xml.WriteStartDocument();
        xml.WriteDocType("GIFTI", null, "http://www.nitrc.org/frs/download.php/115/gifti.dtd", null);
        xml.WriteStartElement("GIFTI");
        xml.WriteAttributeString("Version", gifti.Version.Length > 0 ? gifti.Version : "1.0");
        xml.WriteAttributeString("NumberOfDataArrays", gifti.DataArrays.Count.ToString(CultureInfo.InvariantCulture));
        WriteMetaData(xml, gifti.MetaData);
        xml.WriteStartElement("LabelTable");
        foreach (var label in gifti.LabelTable)
        {
            xml.WriteStartElement("Label");
            xml.WriteAttributeString("Key", label.Key.ToString(CultureInfo.InvariantCulture));
            foreach (var (name, value) in new[] { ("Red", label.Red), ("Green", label.Green), ("Blue", label.Blue), ("Alpha", label.Alpha) })
            {
                if (value is float v)
                {
                    xml.WriteAttributeString(name, v.ToString("R", CultureInfo.InvariantCulture));
                }
            }
            xml.WriteString(label.Name);
            xml.WriteEndElement();
        }
        xml.WriteEndElement();
        foreach (var array in gifti.DataArrays)
        {
            WriteDataArray(xml, array);
        }
        xml.WriteEndElement();
        xml.WriteEndDocument();
    }

    private static void WriteDataArray(XmlWriter xml, GiftiDataArray array)
    {
        var data = array.Array;
        xml.WriteStartElement("DataArray");
        xml.WriteAttributeString("Intent", array.Intent);
        xml.WriteAttributeString("DataType", "NIFTI_TYPE_" + NumericTypes.Name(data.Type).ToUpperInvariant());
        xml.WriteAttributeString("ArrayIndexingOrder", data.Order == ArrayOrder.Fortran ? "ColumnMajorOrder" : "RowMajorOrder");
        xml.WriteAttributeString("Dimensionality", data.Shape.Count.ToString(CultureInfo.InvariantCulture));
        for (int d = 0; d < data.Shape.Count; d++)
        {
            xml.WriteAttributeString("Dim" + d.ToString(CultureInfo.InvariantCulture), data.Shape[d].ToString(CultureInfo.InvariantCulture));
        }
        xml.WriteAttributeString("Encoding", "GZipBase64Binary");
        xml.WriteAttributeString("Endian", "LittleEndian");
        xml.WriteAttributeString("ExternalFileName", "");
        xml.WriteAttributeString("ExternalFileOffset", "");
        WriteMetaData(xml, array.MetaData);
        foreach (var system in array.CoordinateSystems)
        {
            xml.WriteStartElement("CoordinateSystemTransformMatrix");
            xml.WriteElementString("DataSpace", system.DataSpace);
            xml.WriteElementString("TransformedSpace", system.TransformedSpace);
            var numbers = new StringBuilder();
            for (int i = 0; i < 4; i++)
            {
                numbers.AppendJoin(' ', Enumerable.Range(0, 4).Select(j => system.Matrix[i, j].ToString("R", CultureInfo.InvariantCulture))).Append('\n');
            }
            xml.WriteElementString("MatrixData", numbers.ToString());
            xml.WriteEndElement();
        }
        byte[] bytes = data.AsBytesSpan().ToArray();
        if (!BitConverter.IsLittleEndian)
        {
            StreamReading.ReverseEndianness(bytes, NumericTypes.IsComplex(data.Type) ? NumericTypes.SizeOf(data.Type) / 2 : NumericTypes.SizeOf(data.Type));
        }
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(bytes);
        }
        xml.WriteStartElement("Data");
        xml.WriteBase64(compressed.GetBuffer(), 0, (int)compressed.Length);
        xml.WriteEndElement();
        xml.WriteEndElement();
    }

    private static void WriteMetaData(XmlWriter xml, GiftiMetaData metaData)
    {
        xml.WriteStartElement("MetaData");
        foreach (var (name, value) in metaData.Entries)
        {
            xml.WriteStartElement("MD");
            xml.WriteElementString("Name", name);
            xml.WriteElementString("Value", value);
            xml.WriteEndElement();
        }
        xml.WriteEndElement();
    }

    private static void Meta(StringBuilder xml, string name, string value) =>
        xml.Append(CultureInfo.InvariantCulture, $"<MD><Name><![CDATA[{name}]]></Name><Value><![CDATA[{value.Replace("]]>", "]]]]><![CDATA[>", StringComparison.Ordinal)}]]></Value></MD>\n");
}
