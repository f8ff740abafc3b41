namespace NeuroLab.Formats.Gifti;

/// <summary>
/// One GIFTI <c>DataArray</c>: its values (<see cref="Array"/>, shape Dim0..DimN, stored element type,
/// C order for RowMajorOrder and Fortran order for ColumnMajorOrder), what they mean
/// (<see cref="Intent"/>), metadata and coordinate systems. GIFTI 1.0 spec section 2.3.
/// </summary>
public sealed class GiftiDataArray
{
    /// <summary>Creates a data array.</summary>
    public GiftiDataArray(
        string intent,
        string dataType,
        GiftiEncoding encoding,
        NumericArray array,
        GiftiMetaData metaData,
        IReadOnlyList<GiftiCoordinateSystem> coordinateSystems,
        string? externalFile = null)
    {
        ArgumentNullException.ThrowIfNull(intent);
        ArgumentNullException.ThrowIfNull(dataType);
        ArgumentNullException.ThrowIfNull(array);
        ArgumentNullException.ThrowIfNull(metaData);
        ArgumentNullException.ThrowIfNull(coordinateSystems);
        Intent = intent;
        DataType = dataType;
        Encoding = encoding;
        Array = array;
        MetaData = metaData;
        CoordinateSystems = coordinateSystems;
        ExternalFile = externalFile;
    }

    /// <summary>The <c>Intent</c> attribute as written, e.g. "NIFTI_INTENT_SHAPE" (see <see cref="GiftiIntents"/>).</summary>
    public string Intent { get; }

    /// <summary>The <c>DataType</c> attribute as written, e.g. "NIFTI_TYPE_FLOAT32".</summary>
    public string DataType { get; }

    /// <summary>How the values were stored in the file.</summary>
    public GiftiEncoding Encoding { get; }

    /// <summary>The values, in machine byte order, with the declared shape and indexing order.</summary>
    public NumericArray Array { get; }

    /// <summary>The array's own metadata (e.g. AnatomicalStructurePrimary, GeometricType, Name).</summary>
    public GiftiMetaData MetaData { get; }

    /// <summary>Coordinate systems in file order; usually one for a pointset, none otherwise.</summary>
    public IReadOnlyList<GiftiCoordinateSystem> CoordinateSystems { get; }

    /// <summary>For ExternalFileBinary arrays, the user's name of the data file the values were read from; otherwise null.</summary>
    public string? ExternalFile { get; }
}
