using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Xml;

namespace NeuroLab.Formats.Gifti;

/// <summary>
/// Reads GIFTI 1.0 surface files (.gii, and .gii.gz detected by the gzip magic bytes) into a
/// <see cref="GiftiFile"/>. Spec: "GIFTI Surface Data Format Version 1.0" (2011),
/// https://www.nitrc.org/projects/gifti/.
/// </summary>
/// <remarks>
/// <para>XML safety: the DTD is skipped (<see cref="DtdProcessing.Ignore"/>, no resolver), so nothing is
/// fetched and no entities can be defined or expanded. <see cref="DtdProcessing.Prohibit"/> is not used
/// because real files — the fsaverage ones included — start with
/// <c>&lt;!DOCTYPE GIFTI SYSTEM "…gifti.dtd"&gt;</c> and would all be refused.</para>
/// <para>Data types: NIFTI_TYPE_UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64, FLOAT32,
/// FLOAT64, COMPLEX64, COMPLEX128, kept as stored. RGB24, RGBA32, FLOAT128 and COMPLEX256 are refused.</para>
/// <para>Encodings: ASCII (values in the array's indexing order, whitespace-separated; complex values as
/// real/imaginary pairs), Base64Binary, GZipBase64Binary (zlib, as nibabel and gifticlib write; gzip and raw
/// deflate payloads are recognised too), and ExternalFileBinary — only from the files the caller hands over in
/// <see cref="GiftiExternalFiles"/> (the user's own files of one upload or import); without them such arrays are
/// refused. The reader never opens a path the document names, nor looks beside the .gii.
/// Endian: LittleEndian/BigEndian; absent means little-endian (nibabel does the same on little-endian
/// machines). ArrayIndexingOrder: RowMajorOrder gives <see cref="ArrayOrder.C"/>, ColumnMajorOrder
/// <see cref="ArrayOrder.Fortran"/>; absent means RowMajorOrder.</para>
/// <para>Legacy spellings, as nibabel 5 (<c>nibabel.gifti.util</c> codes) and gifticlib/nifti1_io read them:
/// Encoding GIFTI_ENCODING_ASCII, B64BIN / GIFTI_ENCODING_B64BIN, B64GZ / GIFTI_ENCODING_B64GZ, External /
/// GIFTI_ENCODING_EXTBIN; Endian GIFTI_ENDIAN_LITTLE / GIFTI_ENDIAN_BIG / GIFTI_ENDIAN_UNDEF; ArrayIndexingOrder
/// C / F; DataType the nifti1 labels (float32, int32, uint8, ...) and DT_ names (DT_FLOAT32, DT_FLOAT, DT_SIGNED_INT,
/// DT_UNSIGNED_CHAR, ...). Names are matched without regard to case. Encoding undef is refused. (nibabel 5.0 reads ASCII data as text rows
/// regardless of ColumnMajorOrder; this reader follows the spec and gifticlib.)</para>
/// <para>Validation before allocating: the shape from Dimensionality/Dim0..DimN against
/// <see cref="ReadLimits"/>, the sum of all arrays against a total limit, and for an uncompressed .gii the
/// text the data need against the file length. After decoding: the byte or value count must equal the
/// declared shape exactly; a pointset must be [n, 3] floats, triangles [m, 3] integers with every index in
/// [0, n) of the file's first pointset (the message names the first bad index). NumberOfDataArrays is not
/// enforced (nibabel only warns). Metadata, labels and transforms may hold at most
/// <see cref="MaxTextCharacters"/> characters in total.</para>
/// </remarks>
public static class GiftiReader
{
    /// <summary>Most characters of metadata, label and transform text accepted in one file (data excluded).</summary>
    public const int MaxTextCharacters = 1 << 24;

    /// <summary>
    /// Reads the .gii or .gii.gz file at <paramref name="path"/>, named in messages by its file name. Nothing beside
    /// it is read: ExternalFileBinary data come only from <paramref name="externalFiles"/>.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="limits">Per-array limits; <see cref="ReadLimits.Default"/> when null.</param>
    /// <param name="maxTotalBytes">Largest decoded total of all data arrays; default 4 x <see cref="ReadLimits.MaxArrayBytes"/>.</param>
    /// <param name="externalFiles">Data files an ExternalFileBinary array may name; <see cref="GiftiExternalFiles.None"/> when null.</param>
    /// <exception cref="FormatReadException">The file is not a readable GIFTI file; the message says why.</exception>
    public static GiftiFile Read(string path, ReadLimits? limits = null, long? maxTotalBytes = null, GiftiExternalFiles? externalFiles = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return ReadCore(file, Path.GetFileName(path), limits, maxTotalBytes, externalFiles);
    }

    /// <summary>
    /// Reads a GIFTI document from <paramref name="stream"/> (plain or gzip-compressed XML); the stream is
    /// left open. ExternalFileBinary data come only from <paramref name="externalFiles"/>.
    /// </summary>
    /// <param name="stream">The document.</param>
    /// <param name="fileName">The user's name of the document: used in messages and to find its data files among <paramref name="externalFiles"/>.</param>
    /// <param name="limits">Per-array limits; <see cref="ReadLimits.Default"/> when null.</param>
    /// <param name="maxTotalBytes">Largest decoded total of all data arrays; default 4 x <see cref="ReadLimits.MaxArrayBytes"/>.</param>
    /// <param name="externalFiles">Data files an ExternalFileBinary array may name; <see cref="GiftiExternalFiles.None"/> when null.</param>
    /// <exception cref="FormatReadException">The data are not a readable GIFTI document; the message says why.</exception>
    public static GiftiFile Read(Stream stream, string fileName, ReadLimits? limits = null, long? maxTotalBytes = null, GiftiExternalFiles? externalFiles = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(fileName);
        return ReadCore(stream, fileName, limits, maxTotalBytes, externalFiles);
    }

    private static GiftiFile ReadCore(Stream stream, string fileName, ReadLimits? limits, long? maxTotalBytes, GiftiExternalFiles? externalFiles)
    {
        limits ??= ReadLimits.Default;
        long totalLimit = maxTotalBytes ?? (limits.MaxArrayBytes > long.MaxValue / 4 ? long.MaxValue : limits.MaxArrayBytes * 4);
        long? plainLength = stream.CanSeek ? stream.Length - stream.Position : null;
        try
        {
            using var input = StreamReading.WrapMaybeGzip(new NonClosingStream(stream));
            if (input is GZipStream)
            {
                plainLength = null;
            }
            var settings = new XmlReaderSettings
            {
                DtdProcessing = DtdProcessing.Ignore,
                XmlResolver = null,
                MaxCharactersFromEntities = 1024,
                IgnoreComments = true,
                IgnoreProcessingInstructions = true,
                IgnoreWhitespace = true,
                CloseInput = false,
            };
            using var xml = XmlReader.Create(input, settings);
            var parser = new Parser(xml, fileName, limits, totalLimit, externalFiles ?? GiftiExternalFiles.None, plainLength);
            return parser.ReadDocument();
        }
        catch (XmlException e)
        {
            throw new FormatReadException(fileName, $"malformed XML: {e.Message}", e);
        }
        catch (InvalidDataException e)
        {
            throw new FormatReadException(fileName, $"corrupt gzip compression of the file: {e.Message}", e);
        }
        catch (Exception e) when (e is DecoderFallbackException or EndOfStreamException)
        {
            throw new FormatReadException(fileName, $"the file cannot be decoded as text: {e.Message}", e);
        }
    }

    private sealed class Parser(XmlReader reader, string fileName, ReadLimits limits, long totalLimit, GiftiExternalFiles externalFiles, long? plainLength)
    {
        // Each metadata pair, label or transform also costs this much of the text budget, so a flood of
        // empty elements is bounded too.
        private const int ElementOverhead = 32;
        private const int MaxTokenLength = 128;

        private readonly char[] _chars = new char[8192];
        private long _textBudget = MaxTextCharacters;
        private readonly long _totalLimit = totalLimit;
        private long _bytesLeft = totalLimit;

        public GiftiFile ReadDocument()
        {
            try
            {
                reader.MoveToContent();
            }
            catch (XmlException e)
            {
                throw new FormatReadException(fileName, $"not a GIFTI file: the content is not XML ({e.Message}).", e);
            }
            if (reader.NodeType != XmlNodeType.Element || reader.LocalName != "GIFTI")
            {
                throw new FormatReadException(fileName, $"not a GIFTI file: the root element is <{reader.LocalName}>, not <GIFTI>.");
            }
            var version = reader.GetAttribute("Version") ?? "";
            var metaData = GiftiMetaData.Empty;
            IReadOnlyList<GiftiLabel> labels = [];
            var arrays = new List<GiftiDataArray>();
            ForEachChild("GIFTI", name =>
            {
                switch (name)
                {
                    case "MetaData":
                        metaData = ReadMetaData();
                        break;
                    case "LabelTable":
                        labels = ReadLabelTable();
                        break;
                    case "DataArray":
                        arrays.Add(ReadDataArray(arrays.Count));
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            });
            // Anything after the root must be comments or whitespace; XmlReader rejects a second root.
            while (reader.Read())
            {
            }
            ValidateMesh(arrays);
            return new GiftiFile(version, metaData, labels, arrays);
        }

        private void ForEachChild(string parent, Action<string> onElement)
        {
            if (reader.IsEmptyElement)
            {
                reader.Read();
                return;
            }
            int depth = reader.Depth;
            reader.Read();
            while (true)
            {
                if (reader.EOF || reader.NodeType == XmlNodeType.None)
                {
                    throw new FormatReadException(fileName, $"file ends early inside <{parent}>.");
                }
                if (reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth)
                {
                    reader.Read();
                    return;
                }
                if (reader.NodeType == XmlNodeType.Element)
                {
                    // The handler consumes the whole child element, end tag included.
                    onElement(reader.LocalName);
                }
                else
                {
                    reader.Read();
                }
            }
        }

        private string ReadText(string what)
        {
            Spend(ElementOverhead, what);
            if (reader.IsEmptyElement)
            {
                reader.Read();
                return "";
            }
            int depth = reader.Depth;
            var text = new StringBuilder();
            reader.Read();
            while (!(reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth))
            {
                switch (reader.NodeType)
                {
                    case XmlNodeType.Text:
                    case XmlNodeType.CDATA:
                    case XmlNodeType.Whitespace:
                    case XmlNodeType.SignificantWhitespace:
                        int n;
                        while ((n = reader.ReadValueChunk(_chars, 0, _chars.Length)) > 0)
                        {
                            Spend(n, what);
                            text.Append(_chars, 0, n);
                        }
                        reader.Read();
                        break;
                    case XmlNodeType.Element:
                        throw new FormatReadException(fileName, $"unexpected element <{reader.LocalName}> inside {what}, where only text belongs.");
                    case XmlNodeType.None:
                        throw new FormatReadException(fileName, $"file ends early inside {what}.");
                    default:
                        if (!reader.Read())
                        {
                            throw new FormatReadException(fileName, $"file ends early inside {what}.");
                        }
                        break;
                }
            }
            reader.Read();
            return text.ToString();
        }

        private void Spend(long characters, string what)
        {
            _textBudget -= characters;
            if (_textBudget < 0)
            {
                throw new FormatReadException(fileName, $"metadata, label and transform text exceed {MaxTextCharacters:N0} characters (at {what}); the file is not a plausible GIFTI file.");
            }
        }

        private GiftiMetaData ReadMetaData()
        {
            var entries = new List<KeyValuePair<string, string>>();
            ForEachChild("MetaData", name =>
            {
                if (name != "MD")
                {
                    reader.Skip();
                    return;
                }
                string key = "";
                string value = "";
                ForEachChild("MD", part =>
                {
                    switch (part)
                    {
                        case "Name":
                            key = ReadText("a metadata Name").Trim();
                            break;
                        case "Value":
                            value = ReadText("a metadata Value").Trim();
                            break;
                        default:
                            reader.Skip();
                            break;
                    }
                });
                entries.Add(new(key, value));
            });
            return new GiftiMetaData(entries);
        }

        private List<GiftiLabel> ReadLabelTable()
        {
            var labels = new List<GiftiLabel>();
            ForEachChild("LabelTable", name =>
            {
                if (name != "Label")
                {
                    reader.Skip();
                    return;
                }
                // Files written before GIFTI 1.0 final used Index instead of Key.
                var keyText = reader.GetAttribute("Key") ?? reader.GetAttribute("Index");
                if (keyText is null || !int.TryParse(keyText.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int key))
                {
                    throw new FormatReadException(fileName, keyText is null
                        ? $"label {labels.Count} of the LabelTable has no Key attribute."
                        : $"label {labels.Count} of the LabelTable has Key=\"{Shorten(keyText)}\", not an integer.");
                }
                var red = Colour("Red", labels.Count);
                var green = Colour("Green", labels.Count);
                var blue = Colour("Blue", labels.Count);
                var alpha = Colour("Alpha", labels.Count);
                var text = ReadText("a LabelTable Label").Trim();
                labels.Add(new GiftiLabel(key, text, red, green, blue, alpha));
            });
            return labels;
        }

        private float? Colour(string attribute, int index)
        {
            var text = reader.GetAttribute(attribute);
            if (text is null)
            {
                return null;
            }
            if (!float.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out float value))
            {
                throw new FormatReadException(fileName, $"label {index} of the LabelTable has {attribute}=\"{Shorten(text)}\", not a number.");
            }
            return value;
        }

        private GiftiDataArray ReadDataArray(int index)
        {
            var intent = (reader.GetAttribute("Intent") ?? "").Trim();
            if (intent.Length == 0)
            {
                intent = GiftiIntents.None;
            }
            var where = $"DataArray {index} ({intent})";
            var dataTypeText = (reader.GetAttribute("DataType") ?? "").Trim();
            var type = ParseDataType(dataTypeText, where);
            var orderText = (reader.GetAttribute("ArrayIndexingOrder") ?? "").Trim();
            var order = orderText.ToUpperInvariant() switch
            {
                "" or "ROWMAJORORDER" or "C" => ArrayOrder.C,
                "COLUMNMAJORORDER" or "F" => ArrayOrder.Fortran,
                _ => throw new FormatReadException(fileName, $"{where} has ArrayIndexingOrder=\"{Shorten(orderText)}\"; expected RowMajorOrder or ColumnMajorOrder."),
            };
            var shape = ParseShape(where);
            var encodingText = (reader.GetAttribute("Encoding") ?? "").Trim();
            var encoding = encodingText.ToUpperInvariant() switch
            {
                "ASCII" or "GIFTI_ENCODING_ASCII" => GiftiEncoding.Ascii,
                "BASE64BINARY" or "B64BIN" or "GIFTI_ENCODING_B64BIN" => GiftiEncoding.Base64Binary,
                "GZIPBASE64BINARY" or "B64GZ" or "GIFTI_ENCODING_B64GZ" => GiftiEncoding.GZipBase64Binary,
                "EXTERNALFILEBINARY" or "EXTERNAL" or "GIFTI_ENCODING_EXTBIN" => GiftiEncoding.ExternalFileBinary,
                "" => throw new FormatReadException(fileName, $"{where} has no Encoding attribute."),
                "UNDEF" or "GIFTI_ENCODING_UNDEF" => throw new FormatReadException(fileName, $"{where} has Encoding=\"{Shorten(encodingText)}\" (undefined), so its data cannot be decoded; expected ASCII, Base64Binary, GZipBase64Binary or ExternalFileBinary."),
                _ => throw new FormatReadException(fileName, $"{where} has unknown Encoding=\"{Shorten(encodingText)}\"; expected ASCII, Base64Binary, GZipBase64Binary or ExternalFileBinary."),
            };
            var endianText = (reader.GetAttribute("Endian") ?? "").Trim();
            bool little = endianText.ToUpperInvariant() switch
            {
                "LITTLEENDIAN" or "LITTLE" or "GIFTI_ENDIAN_LITTLE" or "" or "UNDEF" or "GIFTI_ENDIAN_UNDEF" => true,
                "BIGENDIAN" or "BIG" or "GIFTI_ENDIAN_BIG" => false,
                _ => throw new FormatReadException(fileName, $"{where} has Endian=\"{Shorten(endianText)}\"; expected LittleEndian or BigEndian."),
            };
            var externalName = reader.GetAttribute("ExternalFileName") ?? "";
            var externalOffset = reader.GetAttribute("ExternalFileOffset") ?? "";

            long count = limits.Check(fileName, shape, type, where);
            long decodedBytes = count * NumericTypes.SizeOf(type);
            // A small charge per array too, so thousands of empty arrays are bounded as well.
            _bytesLeft -= Math.Max(decodedBytes, 256);
            if (_bytesLeft < 0)
            {
                throw new FormatReadException(fileName, $"{where} takes the file's data past the total limit of {_totalLimit / (1 << 20):N0} MiB.");
            }

            var metaData = GiftiMetaData.Empty;
            var coordinateSystems = new List<GiftiCoordinateSystem>();
            Array? data = null;
            string? externalFile = null;
            ForEachChild("DataArray", name =>
            {
                switch (name)
                {
                    case "MetaData":
                        metaData = ReadMetaData();
                        break;
                    case "CoordinateSystemTransformMatrix":
                        coordinateSystems.Add(ReadCoordinateSystem(where));
                        break;
                    case "Data" when data is not null:
                        throw new FormatReadException(fileName, $"{where} has more than one <Data> element.");
                    case "Data":
                        data = encoding switch
                        {
                            GiftiEncoding.Ascii => ReadAscii(type, shape, count, where),
                            GiftiEncoding.Base64Binary or GiftiEncoding.GZipBase64Binary => ReadBinary(type, shape, count, little, encoding, where),
                            _ => SkipAndReadExternal(type, shape, count, little, externalName, externalOffset, where, out externalFile),
                        };
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            });
            if (data is null)
            {
                data = encoding == GiftiEncoding.ExternalFileBinary
                    ? ReadExternal(type, shape, count, little, externalName, externalOffset, where, out externalFile)
                    : throw new FormatReadException(fileName, $"{where} has no <Data> element.");
            }
            var array = new NumericArray(type, shape, data, order);
            return new GiftiDataArray(intent, dataTypeText, encoding, array, metaData, coordinateSystems, externalFile);
        }

        private NumericType ParseDataType(string text, string where) => text.ToUpperInvariant() switch
        {
            "NIFTI_TYPE_UINT8" or "UINT8" or "DT_UINT8" or "DT_UNSIGNED_CHAR" => NumericType.UInt8,
            "NIFTI_TYPE_INT8" or "INT8" or "DT_INT8" => NumericType.Int8,
            "NIFTI_TYPE_UINT16" or "UINT16" or "DT_UINT16" => NumericType.UInt16,
            "NIFTI_TYPE_INT16" or "INT16" or "DT_INT16" or "DT_SIGNED_SHORT" => NumericType.Int16,
            "NIFTI_TYPE_UINT32" or "UINT32" or "DT_UINT32" => NumericType.UInt32,
            "NIFTI_TYPE_INT32" or "INT32" or "DT_INT32" or "DT_SIGNED_INT" => NumericType.Int32,
            "NIFTI_TYPE_UINT64" or "UINT64" or "DT_UINT64" => NumericType.UInt64,
            "NIFTI_TYPE_INT64" or "INT64" or "DT_INT64" => NumericType.Int64,
            "NIFTI_TYPE_FLOAT32" or "FLOAT32" or "DT_FLOAT32" or "DT_FLOAT" => NumericType.Float32,
            "NIFTI_TYPE_FLOAT64" or "FLOAT64" or "DT_FLOAT64" or "DT_DOUBLE" => NumericType.Float64,
            "NIFTI_TYPE_COMPLEX64" or "COMPLEX64" or "DT_COMPLEX64" or "DT_COMPLEX" => NumericType.Complex64,
            "NIFTI_TYPE_COMPLEX128" or "COMPLEX128" or "DT_COMPLEX128" => NumericType.Complex128,
            "NIFTI_TYPE_RGB24" or "NIFTI_TYPE_RGBA32" or "NIFTI_TYPE_FLOAT128" or "NIFTI_TYPE_COMPLEX256"
                or "RGB" or "RGBA" or "FLOAT128" or "COMPLEX256" or "DT_RGB" or "DT_RGB24" or "DT_RGBA32" or "DT_FLOAT128" or "DT_COMPLEX256" =>
                throw new FormatReadException(fileName, $"{where} has DataType {text}, which is not supported (supported: integer types, FLOAT32, FLOAT64, COMPLEX64, COMPLEX128)."),
            "" => throw new FormatReadException(fileName, $"{where} has no DataType attribute."),
            _ => throw new FormatReadException(fileName, $"{where} has unknown DataType \"{Shorten(text)}\" (expected e.g. NIFTI_TYPE_FLOAT32, NIFTI_TYPE_INT32, NIFTI_TYPE_UINT8)."),
        };

        private long[] ParseShape(string where)
        {
            var rankText = (reader.GetAttribute("Dimensionality") ?? "").Trim();
            if (!int.TryParse(rankText, NumberStyles.None, CultureInfo.InvariantCulture, out int rank) || rank < 1)
            {
                throw new FormatReadException(fileName, rankText.Length == 0
                    ? $"{where} has no Dimensionality attribute."
                    : $"{where} has Dimensionality=\"{Shorten(rankText)}\"; expected a positive integer.");
            }
            if (rank > limits.MaxRank)
            {
                throw new FormatReadException(fileName, $"{where} has Dimensionality={rank}; at most {limits.MaxRank} dimensions are supported.");
            }
            var shape = new long[rank];
            for (int d = 0; d < rank; d++)
            {
                var text = reader.GetAttribute("Dim" + d.ToString(CultureInfo.InvariantCulture))?.Trim();
                if (text is null)
                {
                    throw new FormatReadException(fileName, $"{where} has Dimensionality={rank} but no Dim{d} attribute.");
                }
                if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out shape[d]))
                {
                    throw new FormatReadException(fileName, $"{where} has Dim{d}=\"{Shorten(text)}\"; expected a non-negative integer.");
                }
            }
            return shape;
        }

        private GiftiCoordinateSystem ReadCoordinateSystem(string where)
        {
            Spend(ElementOverhead, "a CoordinateSystemTransformMatrix");
            string dataSpace = "NIFTI_XFORM_UNKNOWN";
            string transformedSpace = "NIFTI_XFORM_UNKNOWN";
            var matrix = new double[4, 4];
            for (int i = 0; i < 4; i++)
            {
                matrix[i, i] = 1;
            }
            ForEachChild("CoordinateSystemTransformMatrix", name =>
            {
                switch (name)
                {
                    case "DataSpace":
                        dataSpace = ReadText("DataSpace").Trim();
                        break;
                    case "TransformedSpace":
                        transformedSpace = ReadText("TransformedSpace").Trim();
                        break;
                    case "MatrixData":
                        var tokens = ReadText("MatrixData").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                        if (tokens.Length != 16)
                        {
                            throw new FormatReadException(fileName, $"{where}: MatrixData has {tokens.Length} numbers; a 4x4 transform needs 16.");
                        }
                        for (int k = 0; k < 16; k++)
                        {
                            if (!TryParseReal(tokens[k], out matrix[k / 4, k % 4]))
                            {
                                throw new FormatReadException(fileName, $"{where}: MatrixData value {k} \"{Shorten(tokens[k])}\" is not a number.");
                            }
                        }
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            });
            return new GiftiCoordinateSystem(dataSpace, transformedSpace, matrix);
        }

        private Array ReadBinary(NumericType type, long[] shape, long count, bool little, GiftiEncoding encoding, string where)
        {
            long expected = count * NumericTypes.SizeOf(type);
            // Uncompressed base64 text needs 4 characters per 3 bytes: check against the file before allocating.
            if (encoding == GiftiEncoding.Base64Binary && plainLength is long length && (expected + 2) / 3 * 4 > length)
            {
                throw new FormatReadException(fileName, $"{where}: Dim0..Dim{shape.Length - 1} = {Dims(shape)} {NumericTypes.Name(type)} needs {(expected + 2) / 3 * 4:N0} characters of base64, but the whole file is {length:N0} bytes.");
            }
            var data = Allocate(type, count);
            var bytes = BytesOf(type, count, data);
            var base64 = new XmlBase64Stream(reader);
            try
            {
                Stream source = base64;
                if (encoding == GiftiEncoding.GZipBase64Binary)
                {
                    source = OpenDecompressor(base64);
                }
                long got = ReadInto(source, bytes);
                if (got < expected)
                {
                    throw new FormatReadException(fileName, $"{where}: the Data decode to {got:N0} bytes, but {Dims(shape)} {NumericTypes.Name(type)} needs {expected:N0}.");
                }
                Span<byte> extra = stackalloc byte[1];
                if (source.Read(extra) > 0)
                {
                    throw new FormatReadException(fileName, $"{where}: the Data decode to more than the {expected:N0} bytes that {Dims(shape)} {NumericTypes.Name(type)} needs.");
                }
                // A compressed stream may end before the base64 text does; move the reader past </Data>.
                base64.Drain();
            }
            catch (XmlException e)
            {
                throw new FormatReadException(fileName, $"{where}: the Data are not valid base64 ({e.Message}).", e);
            }
            catch (InvalidDataException e)
            {
                throw new FormatReadException(fileName, $"{where}: the compressed Data are corrupt ({e.Message}).", e);
            }
            FixByteOrder(type, little, bytes);
            return data;
        }

        private static Stream OpenDecompressor(XmlBase64Stream base64)
        {
            var head = new byte[2];
            int n = StreamReading.ReadUpTo(base64, head);
            if (n == 0)
            {
                return base64;
            }
            var prefixed = new PrefixedStream(head.AsMemory(0, n), base64);
            if (n == 2 && StreamReading.IsGzip(head))
            {
                return new GZipStream(prefixed, CompressionMode.Decompress);
            }
            // zlib header (RFC 1950): deflate method 8 and a header checksum divisible by 31.
            if (n == 2 && (head[0] & 0x0f) == 8 && ((head[0] << 8) | head[1]) % 31 == 0)
            {
                return new ZLibStream(prefixed, CompressionMode.Decompress);
            }
            return new DeflateStream(prefixed, CompressionMode.Decompress);
        }

        private static long ReadInto(Stream source, Span<byte> bytes)
        {
            long total = 0;
            const int chunk = 1 << 20;
            while (total < bytes.Length)
            {
                int want = (int)Math.Min(chunk, bytes.Length - total);
                int got = StreamReading.ReadUpTo(source, bytes.Slice((int)total, want));
                total += got;
                if (got < want)
                {
                    break;
                }
            }
            return total;
        }

        private Array ReadAscii(NumericType type, long[] shape, long count, string where)
        {
            long values = NumericTypes.IsComplex(type) ? count * 2 : count;
            // Each value needs at least one digit and one separator.
            if (plainLength is long length && values > (length + 1) / 2)
            {
                throw new FormatReadException(fileName, $"{where}: {Dims(shape)} needs {values:N0} ASCII values, more than a {length:N0}-byte file can hold.");
            }
            var data = Allocate(type, count);
            long k = 0;
            var token = new char[MaxTokenLength];
            int tokenLength = 0;

            void Flush()
            {
                if (tokenLength == 0)
                {
                    return;
                }
                if (k >= values)
                {
                    throw new FormatReadException(fileName, $"{where}: the ASCII Data hold more than the {values:N0} values that {Dims(shape)} declares.");
                }
                Store(data, type, k, token.AsSpan(0, tokenLength), where);
                k++;
                tokenLength = 0;
            }

            if (reader.IsEmptyElement)
            {
                reader.Read();
            }
            else
            {
                int depth = reader.Depth;
                reader.Read();
                while (!(reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth))
                {
                    switch (reader.NodeType)
                    {
                        case XmlNodeType.Text:
                        case XmlNodeType.CDATA:
                        case XmlNodeType.Whitespace:
                        case XmlNodeType.SignificantWhitespace:
                            int n;
                            while ((n = reader.ReadValueChunk(_chars, 0, _chars.Length)) > 0)
                            {
                                for (int i = 0; i < n; i++)
                                {
                                    char c = _chars[i];
                                    if (char.IsWhiteSpace(c) || c == ',')
                                    {
                                        Flush();
                                    }
                                    else if (tokenLength == MaxTokenLength)
                                    {
                                        throw new FormatReadException(fileName, $"{where}: the ASCII Data hold a token longer than {MaxTokenLength} characters, not a number.");
                                    }
                                    else
                                    {
                                        token[tokenLength++] = c;
                                    }
                                }
                            }
                            Flush();
                            reader.Read();
                            break;
                        case XmlNodeType.Element:
                            throw new FormatReadException(fileName, $"{where}: unexpected element <{reader.LocalName}> inside <Data>.");
                        case XmlNodeType.None:
                            throw new FormatReadException(fileName, $"file ends early inside the Data of {where}.");
                        default:
                            reader.Read();
                            break;
                    }
                }
                reader.Read();
            }
            if (k < values)
            {
                throw new FormatReadException(fileName, $"{where}: the ASCII Data hold {k:N0} values, but {Dims(shape)} {NumericTypes.Name(type)} needs {values:N0}.");
            }
            return data;
        }

        // Dispatch on the declared type, not on the array's runtime type: the CLR lets an int[] pass as
        // uint[] (and sbyte[] as byte[], long[] as ulong[]), so type patterns on arrays are ambiguous.
        private void Store(Array data, NumericType type, long k, ReadOnlySpan<char> token, string where)
        {
            bool ok;
            switch (type)
            {
                case NumericType.Float32:
                case NumericType.Complex64:
                    // Parsed as double and rounded once to float, as numpy.loadtxt (nibabel) does.
                    ok = TryParseReal(token, out double fv);
                    ((float[])data)[k] = (float)fv;
                    break;
                case NumericType.Float64:
                case NumericType.Complex128:
                    ok = TryParseReal(token, out ((double[])data)[k]);
                    break;
                case NumericType.UInt64:
                    ok = ulong.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out ((ulong[])data)[k]);
                    break;
                default:
                    ok = long.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v) && TryStoreInteger(data, type, k, v);
                    break;
            }
            if (!ok)
            {
                throw new FormatReadException(fileName, $"{where}: ASCII value {k:N0} \"{Shorten(token.ToString())}\" is not a valid {NumericTypes.Name(type)}.");
            }
        }

        private static bool TryStoreInteger(Array data, NumericType type, long k, long v)
        {
            switch (type)
            {
                case NumericType.UInt8 when v is >= byte.MinValue and <= byte.MaxValue:
                    ((byte[])data)[k] = (byte)v;
                    return true;
                case NumericType.Int8 when v is >= sbyte.MinValue and <= sbyte.MaxValue:
                    ((sbyte[])data)[k] = (sbyte)v;
                    return true;
                case NumericType.UInt16 when v is >= ushort.MinValue and <= ushort.MaxValue:
                    ((ushort[])data)[k] = (ushort)v;
                    return true;
                case NumericType.Int16 when v is >= short.MinValue and <= short.MaxValue:
                    ((short[])data)[k] = (short)v;
                    return true;
                case NumericType.UInt32 when v is >= uint.MinValue and <= uint.MaxValue:
                    ((uint[])data)[k] = (uint)v;
                    return true;
                case NumericType.Int32 when v is >= int.MinValue and <= int.MaxValue:
                    ((int[])data)[k] = (int)v;
                    return true;
                case NumericType.Int64:
                    ((long[])data)[k] = v;
                    return true;
                default:
                    return false;
            }
        }

        private static bool TryParseReal(ReadOnlySpan<char> token, out double value)
        {
            if (double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
            {
                return true;
            }
            // Text writers (C printf, Python) spell the specials nan, inf, -inf, infinity.
            var t = token.TrimStart('+');
            bool negative = t.StartsWith("-");
            if (negative)
            {
                t = t[1..];
            }
            if (t.Equals("nan", StringComparison.OrdinalIgnoreCase))
            {
                value = double.NaN;
                return true;
            }
            if (t.Equals("inf", StringComparison.OrdinalIgnoreCase) || t.Equals("infinity", StringComparison.OrdinalIgnoreCase))
            {
                value = negative ? double.NegativeInfinity : double.PositiveInfinity;
                return true;
            }
            return false;
        }

        private Array SkipAndReadExternal(NumericType type, long[] shape, long count, bool little, string name, string offset, string where, out string? externalFile)
        {
            // The Data element of an ExternalFileBinary array is empty; its content, if any, is not the data.
            reader.Skip();
            return ReadExternal(type, shape, count, little, name, offset, where, out externalFile);
        }

        /// <summary>
        /// Reads an array from one of the caller's own files (<see cref="GiftiExternalFiles"/>). Messages name that
        /// file by the user's name for it and never repeat the document's ExternalFileName, which could name anything.
        /// </summary>
        private Array ReadExternal(NumericType type, long[] shape, long count, bool little, string name, string offsetText, string where, out string? externalFile)
        {
            long offset = 0;
            if (offsetText.Trim().Length > 0 && (!long.TryParse(offsetText.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out offset)))
            {
                throw new FormatReadException(fileName, $"{where} has ExternalFileOffset=\"{Shorten(offsetText)}\"; expected a non-negative integer.");
            }
            var relative = GiftiExternalFiles.ValidateName(name, out var problem)
                ?? throw new FormatReadException(fileName, $"{where} {problem}.");
            long expected = count * NumericTypes.SizeOf(type);
            externalFile = externalFiles.Find(fileName, relative)
                ?? throw new FormatReadException(fileName, $"{where} keeps its {expected:N0} bytes of data in an external file (ExternalFileBinary) that was not uploaded together with {fileName}; "
                    + "upload the .gii and its data file in the same request, or choose both for the dataset.");
            using var file = externalFiles.Open(externalFile);
            if (offset > file.Length || expected > file.Length - offset)
            {
                throw new FormatReadException(fileName, $"{where}: the external file \"{Shorten(externalFile)}\" has {file.Length:N0} bytes, but {Dims(shape)} {NumericTypes.Name(type)} needs {expected:N0} bytes from offset {offset:N0}.");
            }
            file.Position = offset;
            return StreamReading.ReadElements(file, type, count, little, fileName, $"the external data of {where}");
        }

        private static Array Allocate(NumericType type, long count) =>
            Array.CreateInstance(NumericTypes.ClrType(type), NumericTypes.IsComplex(type) ? count * 2 : count);

        private static Span<byte> BytesOf(NumericType type, long count, Array data) => new NumericArray(type, [count], data).AsBytesSpan();

        private static void FixByteOrder(NumericType type, bool little, Span<byte> bytes)
        {
            if (little != BitConverter.IsLittleEndian)
            {
                int size = NumericTypes.IsComplex(type) ? NumericTypes.SizeOf(type) / 2 : NumericTypes.SizeOf(type);
                StreamReading.ReverseEndianness(bytes, size);
            }
        }

        private void ValidateMesh(List<GiftiDataArray> arrays)
        {
            long? vertices = null;
            for (int i = 0; i < arrays.Count; i++)
            {
                var a = arrays[i];
                bool pointset = a.Intent == GiftiIntents.Pointset;
                bool triangles = a.Intent == GiftiIntents.Triangle;
                if (!pointset && !triangles)
                {
                    continue;
                }
                var where = $"DataArray {i} ({a.Intent})";
                var shape = a.Array.Shape;
                if (shape.Count != 2 || shape[1] != 3)
                {
                    throw new FormatReadException(fileName, $"{where} has shape {Dims(shape)}; a {(pointset ? "pointset" : "triangle list")} must be [{(pointset ? "n" : "m")}, 3].");
                }
                bool isFloat = a.Array.Type is NumericType.Float32 or NumericType.Float64;
                if (pointset && !isFloat)
                {
                    throw new FormatReadException(fileName, $"{where} holds {NumericTypes.Name(a.Array.Type)}; vertex coordinates must be float32 or float64.");
                }
                if (triangles && (isFloat || NumericTypes.IsComplex(a.Array.Type)))
                {
                    throw new FormatReadException(fileName, $"{where} holds {NumericTypes.Name(a.Array.Type)}; triangle vertex indices must be integers.");
                }
                if (pointset)
                {
                    vertices ??= shape[0];
                }
            }
            for (int i = 0; i < arrays.Count; i++)
            {
                if (arrays[i].Intent == GiftiIntents.Triangle)
                {
                    CheckTriangleIndices(arrays[i].Array, vertices, $"DataArray {i} ({GiftiIntents.Triangle})");
                }
            }
        }

        private void CheckTriangleIndices(NumericArray triangles, long? vertices, string where)
        {
            long m = triangles.Shape[0];
            bool fortran = triangles.Order == ArrayOrder.Fortran;
            for (long t = 0; t < m; t++)
            {
                for (int c = 0; c < 3; c++)
                {
                    long flat = fortran ? c * m + t : t * 3 + c;
                    var (value, text) = IndexAt(triangles, flat);
                    if (value < 0 || (vertices is long n && value >= n))
                    {
                        var range = vertices is long count ? $"the pointset has {count:N0} vertices (valid 0..{count - 1:N0})" : "indices cannot be negative";
                        throw new FormatReadException(fileName, $"{where}: triangle {t:N0} (corner {c}) refers to vertex {text}, but {range}.");
                    }
                }
            }
        }

        /// <summary>An integer element by declared type (see <see cref="Store"/> on why); unsigned values past long.MaxValue give -1.</summary>
        private static (long Value, string Text) IndexAt(NumericArray array, long flat)
        {
            var data = array.Data;
            return array.Type switch
            {
                NumericType.UInt8 => Pair(((byte[])data)[flat]),
                NumericType.Int8 => Pair(((sbyte[])data)[flat]),
                NumericType.UInt16 => Pair(((ushort[])data)[flat]),
                NumericType.Int16 => Pair(((short[])data)[flat]),
                NumericType.UInt32 => Pair(((uint[])data)[flat]),
                NumericType.Int32 => Pair(((int[])data)[flat]),
                NumericType.Int64 => Pair(((long[])data)[flat]),
                _ => ((ulong[])data)[flat] is var u && u <= long.MaxValue
                    ? Pair((long)u)
                    : (-1, u.ToString(CultureInfo.InvariantCulture)),
            };

            static (long, string) Pair(long v) => (v, v.ToString(CultureInfo.InvariantCulture));
        }

        private static string Dims(IReadOnlyList<long> shape) => "[" + string.Join(", ", shape) + "]";

        private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "...";
    }
}
