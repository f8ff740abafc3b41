namespace NeuroLab.Formats.Gifti;

/// <summary>
/// Common values of a GIFTI data array's <c>Intent</c> attribute (NIfTI-1 intent names, GIFTI 1.0 spec
/// section 2.3.1 and nifti1.h). <see cref="GiftiDataArray.Intent"/> holds whatever the file says; these
/// are for comparison.
/// </summary>
public static class GiftiIntents
{
    /// <summary>Vertex coordinates, [n, 3] float.</summary>
    public const string Pointset = "NIFTI_INTENT_POINTSET";

    /// <summary>Triangles as vertex indices, [m, 3] int32.</summary>
    public const string Triangle = "NIFTI_INTENT_TRIANGLE";

    /// <summary>A per-vertex scalar such as curvature, sulcal depth or thickness.</summary>
    public const string Shape = "NIFTI_INTENT_SHAPE";

    /// <summary>Per-vertex keys into the file's label table.</summary>
    public const string Label = "NIFTI_INTENT_LABEL";

    /// <summary>One time point of a per-vertex time series.</summary>
    public const string TimeSeries = "NIFTI_INTENT_TIME_SERIES";

    /// <summary>Vertex vectors (e.g. normals).</summary>
    public const string Vector = "NIFTI_INTENT_VECTOR";

    /// <summary>Data with no stated meaning.</summary>
    public const string None = "NIFTI_INTENT_NONE";

    /// <summary>Statistics: t, z, F, p and so on, e.g. NIFTI_INTENT_TTEST, NIFTI_INTENT_ZSCORE.</summary>
    public const string ZScore = "NIFTI_INTENT_ZSCORE";

    /// <summary>Student t statistic.</summary>
    public const string TTest = "NIFTI_INTENT_TTEST";

    /// <summary>Indices of the vertices that a sparse data array covers.</summary>
    public const string NodeIndex = "NIFTI_INTENT_NODE_INDEX";
}
