namespace NeuroLab.Formats.Matlab;

/// <summary>
/// One MATLAB value read from a MAT-file: <see cref="MatNumeric"/> (numeric and logical arrays),
/// <see cref="MatChar"/>, <see cref="MatCell"/> or <see cref="MatStruct"/>. Shapes are MATLAB's
/// (column-major, at least two dimensions as MATLAB stores them, e.g. [1, 5] for a row vector).
/// </summary>
public abstract class MatValue
{
    private protected MatValue(IReadOnlyList<long> shape)
    {
        Shape = [.. shape];
        long count = 1;
        foreach (var d in Shape)
        {
            count = checked(count * d);
        }
        Count = count;
    }

    /// <summary>MATLAB dimensions, e.g. [92, 92] or [175, 175, 3].</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>Number of elements (product of <see cref="Shape"/>).</summary>
    public long Count { get; }

    /// <summary>
    /// MATLAB class name: "double", "single", "int8" ... "uint64", "logical", "char", "cell" or "struct".
    /// </summary>
    public abstract string ClassName { get; }

    /// <summary>Shape as MATLAB prints it, e.g. "92x92".</summary>
    public string ShapeText => string.Join("x", Shape);
}

/// <summary>
/// A numeric or logical MATLAB array. <see cref="Array"/> is in Fortran (column-major) order with
/// the MATLAB shape, so element (i, j) is <c>Array[i, j]</c>. Its element type is the MATLAB class
/// (double -> float64, single -> float32, int8..uint64 as named, logical -> bool), whatever smaller
/// type the file used to store the values. Complex double and single arrays are complex128 and
/// complex64; complex integer arrays (rare) are complex128 with <see cref="ClassName"/> keeping the
/// integer class (int64 parts beyond 2^53 lose precision).
/// </summary>
public sealed class MatNumeric : MatValue
{
    /// <summary>Wraps a Fortran-ordered array with its MATLAB class name ("double", "logical", ...).</summary>
    public MatNumeric(NumericArray array, string className, bool isLogical)
        : base(array?.Shape ?? throw new ArgumentNullException(nameof(array)))
    {
        ArgumentNullException.ThrowIfNull(className);
        Array = array;
        ClassName = className;
        IsLogical = isLogical;
    }

    /// <summary>The values, Fortran order, MATLAB shape.</summary>
    public NumericArray Array { get; }

    /// <inheritdoc />
    public override string ClassName { get; }

    /// <summary>True for MATLAB logical arrays (the array is bool and <see cref="ClassName"/> is "logical").</summary>
    public bool IsLogical { get; }

    /// <summary>True when the array holds complex values.</summary>
    public bool IsComplex => NumericTypes.IsComplex(Array.Type);

    /// <summary>The first element as double (a scalar's value; a complex value's real part); NaN for an empty array.</summary>
    public double ScalarValue => Array.Length > 0 ? MatShared.ElementAsDouble(Array.Data, 0) : double.NaN;
}

/// <summary>
/// A MATLAB char array. A 1xN array is one string; an MxN matrix is M rows of N characters
/// (MATLAB pads rows with spaces; they are kept). For N-d char arrays [M, N, P, ...] each row holds
/// the characters of the trailing dimensions in column-major order (N*P*... characters).
/// </summary>
public sealed class MatChar : MatValue
{
    /// <summary>A char array of <paramref name="shape"/> given as its rows (see the class remarks for N-d arrays).</summary>
    public MatChar(IReadOnlyList<long> shape, IReadOnlyList<string> rows)
        : base(shape)
    {
        ArgumentNullException.ThrowIfNull(rows);
        Rows = [.. rows];
    }

    /// <inheritdoc />
    public override string ClassName => "char";

    /// <summary>One string per row (first dimension); empty for an empty char array.</summary>
    public IReadOnlyList<string> Rows { get; }

    /// <summary>The text: the single row, or the rows joined with '\n'; "" when empty.</summary>
    public string Text => Rows.Count == 1 ? Rows[0] : string.Join("\n", Rows);

    /// <inheritdoc />
    public override string ToString() => Text;
}

/// <summary>A MATLAB cell array; <see cref="Items"/> are in column-major order (MATLAB's linear indexing).</summary>
public sealed class MatCell : MatValue
{
    /// <summary>A cell array of <paramref name="shape"/>; <paramref name="items"/> in column-major order, one per element.</summary>
    public MatCell(IReadOnlyList<long> shape, IReadOnlyList<MatValue> items)
        : base(shape)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count != Count)
        {
            throw new ArgumentException($"A {string.Join("x", shape)} cell needs {Count} items, got {items.Count}.", nameof(items));
        }
        Items = items;
    }

    /// <inheritdoc />
    public override string ClassName => "cell";

    /// <summary>The cells, column-major: item (i, j) of an MxN cell is <c>Items[i + j * M]</c>.</summary>
    public IReadOnlyList<MatValue> Items { get; }

    /// <summary>The cell at a zero-based linear (column-major) index.</summary>
    public MatValue this[int index] => Items[index];
}

/// <summary>
/// A MATLAB struct array: field names (in the file's order) and one field-to-value map per element,
/// elements in column-major order. A scalar struct has shape [1, 1] and one element.
/// </summary>
public sealed class MatStruct : MatValue
{
    /// <summary>A struct array of <paramref name="shape"/>; <paramref name="elements"/> in column-major order, one per element.</summary>
    public MatStruct(IReadOnlyList<long> shape, IReadOnlyList<string> fieldNames, IReadOnlyList<IReadOnlyDictionary<string, MatValue>> elements)
        : base(shape)
    {
        ArgumentNullException.ThrowIfNull(fieldNames);
        ArgumentNullException.ThrowIfNull(elements);
        if (elements.Count != Count)
        {
            throw new ArgumentException($"A {string.Join("x", shape)} struct array needs {Count} elements, got {elements.Count}.", nameof(elements));
        }
        FieldNames = [.. fieldNames];
        Elements = elements;
    }

    /// <inheritdoc />
    public override string ClassName => "struct";

    /// <summary>Field names in the order the file lists them.</summary>
    public IReadOnlyList<string> FieldNames { get; }

    /// <summary>Elements in column-major order; each maps every field name to its value.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, MatValue>> Elements { get; }

    /// <summary>Field <paramref name="field"/> of element <paramref name="element"/> (zero-based, column-major).</summary>
    /// <exception cref="KeyNotFoundException">The struct has no such field.</exception>
    public MatValue Get(string field, int element = 0) =>
        Elements[element].TryGetValue(field, out var value)
            ? value
            : throw new KeyNotFoundException($"The struct has no field '{field}' (fields: {string.Join(", ", FieldNames)}).");
}
