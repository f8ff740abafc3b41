namespace NeuroLab.Formats.Gifti;

/// <summary>
/// A GIFTI <c>CoordinateSystemTransformMatrix</c>: the space of a data array's coordinates
/// (<see cref="DataSpace"/>, e.g. NIFTI_XFORM_UNKNOWN), the space they map to
/// (<see cref="TransformedSpace"/>, e.g. NIFTI_XFORM_TALAIRACH) and the 4x4 affine between them.
/// GIFTI 1.0 spec section 2.5.
/// </summary>
public sealed class GiftiCoordinateSystem
{
    /// <summary>Creates a coordinate system; <paramref name="matrix"/> must be 4x4.</summary>
    public GiftiCoordinateSystem(string dataSpace, string transformedSpace, double[,] matrix)
    {
        ArgumentNullException.ThrowIfNull(dataSpace);
        ArgumentNullException.ThrowIfNull(transformedSpace);
        ArgumentNullException.ThrowIfNull(matrix);
        if (matrix.GetLength(0) != 4 || matrix.GetLength(1) != 4)
        {
            throw new ArgumentException("The transform must be 4x4.", nameof(matrix));
        }
        DataSpace = dataSpace;
        TransformedSpace = transformedSpace;
        Matrix = matrix;
    }

    /// <summary>Space before the transform, as written (NIFTI_XFORM_UNKNOWN, _SCANNER_ANAT, _ALIGNED_ANAT, _TALAIRACH, _MNI_152).</summary>
    public string DataSpace { get; }

    /// <summary>Space after the transform, same vocabulary as <see cref="DataSpace"/>.</summary>
    public string TransformedSpace { get; }

    /// <summary>The 4x4 affine, [row, column] (MatrixData is stored row by row).</summary>
    public double[,] Matrix { get; }
}
