namespace NeuroLab.Formats.Gifti;

/// <summary>
/// A GIFTI surface file (.gii, .gii.gz; GIFTI 1.0, https://www.nitrc.org/projects/gifti/): file metadata,
/// label table and data arrays, plus conveniences for the usual contents — a mesh (<see cref="Pointset"/>
/// and <see cref="Triangles"/>) and per-vertex maps (<see cref="PerVertexData"/>).
/// </summary>
public sealed class GiftiFile
{
    private NumericArray? _pointset;
    private NumericArray? _triangles;

    /// <summary>Creates a file model.</summary>
    public GiftiFile(string version, GiftiMetaData metaData, IReadOnlyList<GiftiLabel> labelTable, IReadOnlyList<GiftiDataArray> dataArrays)
    {
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(metaData);
        ArgumentNullException.ThrowIfNull(labelTable);
        ArgumentNullException.ThrowIfNull(dataArrays);
        Version = version;
        MetaData = metaData;
        LabelTable = labelTable;
        DataArrays = dataArrays;
    }

    /// <summary>The GIFTI <c>Version</c> attribute ("1.0"; empty when absent).</summary>
    public string Version { get; }

    /// <summary>File-level metadata.</summary>
    public GiftiMetaData MetaData { get; }

    /// <summary>Labels for NIFTI_INTENT_LABEL arrays, in file order; empty when the file has none.</summary>
    public IReadOnlyList<GiftiLabel> LabelTable { get; }

    /// <summary>All data arrays in file order.</summary>
    public IReadOnlyList<GiftiDataArray> DataArrays { get; }

    /// <summary>The first NIFTI_INTENT_POINTSET array, or null.</summary>
    public GiftiDataArray? PointsetArray => DataArrays.FirstOrDefault(a => a.Intent == GiftiIntents.Pointset);

    /// <summary>The first NIFTI_INTENT_TRIANGLE array, or null.</summary>
    public GiftiDataArray? TrianglesArray => DataArrays.FirstOrDefault(a => a.Intent == GiftiIntents.Triangle);

    /// <summary>
    /// Vertex coordinates as [n, 3] float32 in C order (x, y, z of vertex i at 3i..3i+2), or null when the
    /// file has no pointset. A ColumnMajorOrder or float64 pointset is converted; the stored array stays
    /// in <see cref="PointsetArray"/>.
    /// </summary>
    public NumericArray? Pointset => _pointset ??= PointsetArray is { } p ? ToCOrderOf(p.Array, NumericType.Float32) : null;

    /// <summary>
    /// Triangles as [m, 3] int32 vertex indices in C order, or null when the file has none. Other integer
    /// types are converted (the reader has checked the indices lie in [0, vertex count)).
    /// </summary>
    public NumericArray? Triangles => _triangles ??= TrianglesArray is { } t ? ToCOrderOf(t.Array, NumericType.Int32) : null;

    /// <summary>Number of vertices (rows of the pointset), or null without a pointset.</summary>
    public long? VertexCount => PointsetArray?.Array.Shape[0];

    /// <summary>
    /// The arrays that are neither pointset nor triangles — per-vertex maps such as curvature, thickness,
    /// labels or one array per time point — in file order.
    /// </summary>
    public IReadOnlyList<GiftiDataArray> PerVertexData =>
        [.. DataArrays.Where(a => a.Intent is not (GiftiIntents.Pointset or GiftiIntents.Triangle))];

    private static NumericArray ToCOrderOf(NumericArray array, NumericType type)
    {
        var c = array.ToCOrder();
        if (c.Type == type)
        {
            return c;
        }
        // Array.GetValue boxes with the array's real element type; NumericArray.ToFloat64 is avoided because
        // its type switch reads signed integer arrays as unsigned.
        System.Array data = type == NumericType.Float32
            ? c.ToFloat32()
            : Enumerable.Range(0, c.Data.Length).Select(i => Convert.ToInt32(c.Data.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return new NumericArray(type, c.Shape, data, ArrayOrder.C);
    }
}
