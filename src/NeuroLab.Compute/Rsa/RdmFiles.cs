using System.Globalization;
using System.Text.RegularExpressions;
using NeuroLab.Formats;
using NeuroLab.Formats.Matlab;
using NeuroLab.Formats.Numpy;

namespace NeuroLab.Compute.Rsa;

/// <summary>
/// One representational dissimilarity matrix read from a dataset file, as its condensed upper triangle (row-major,
/// MATLAB/scipy <c>squareform</c> order; NaN marks a missing pair).
/// </summary>
/// <param name="Name">The name the file gives it ("hIT | BE | Session: 1", "animacy", "rdms 3").</param>
/// <param name="Region">The region or model it measures: the name's first part ("hIT").</param>
/// <param name="Subject">The subject, when the name or the array layout tells ("BE", "2"); null otherwise.</param>
/// <param name="Session">The session number when the name tells ("Session: 1").</param>
/// <param name="Conditions">The number of conditions (stimuli) n.</param>
/// <param name="Values">n(n-1)/2 dissimilarities.</param>
public sealed record NamedRdm(string Name, string Region, string? Subject, int? Session, int Conditions, double[] Values);

/// <summary>
/// Reads RDMs from the files a dataset holds with the roles <c>BrainRdm</c> and <c>ModelRdm</c>:
/// <list type="bullet">
/// <item>MATLAB .mat: struct arrays with an <c>RDM</c> field (square or a squareform vector) and a <c>name</c> field, as
/// rsatoolbox and the Kriegeskorte 92-image data write them; plain square matrices; [n, n, k] stacks.</item>
/// <item>NumPy .npy/.npz: [n, n], [k, n, n] (k subjects), a condensed vector [n(n-1)/2] or [k, n(n-1)/2].</item>
/// </list>
/// Names like "hIT | BE | Session: 1" give region, subject and session; stacks number their subjects.
/// </summary>
public static partial class RdmFiles
{
    /// <summary>Relative tolerance of the symmetry check.</summary>
    private const double SymmetryTolerance = 1e-6;

    /// <summary>
    /// The RDMs in a file; a file that holds none, or a matrix that is not an RDM (not square, not symmetric, a non-zero
    /// diagonal, infinite values), throws <see cref="FormatReadException"/> naming the array and the problem.
    /// </summary>
    public static IReadOnlyList<NamedRdm> Read(string path, string fileName, string format)
    {
        var stem = Stem(fileName);
        var rdms = format switch
        {
            "mat" => FromMat(MatReader.Read(path), fileName),
            "npy" => FromArray(NpyReader.Read(path), stem, fileName),
            "npz" => [.. NpzReader.Read(path).SelectMany(e => FromArray(e.Value, e.Key, fileName))],
            _ => throw new FormatReadException(fileName, $"RDMs must be a .mat, .npy or .npz file, this is a .{format} file."),
        };
        if (rdms.Count == 0)
        {
            throw new FormatReadException(fileName, "no RDM found: expected a struct array with an RDM field, a square matrix [n, n], a stack [k, n, n] or condensed vectors.");
        }
        return rdms;
    }

    private static List<NamedRdm> FromMat(MatFile mat, string fileName)
    {
        var rdms = new List<NamedRdm>();
        foreach (var (variable, value) in mat.Variables)
        {
            switch (value)
            {
                case MatStruct s when s.FieldNames.FirstOrDefault(f => string.Equals(f, "RDM", StringComparison.OrdinalIgnoreCase)) is { } field:
                    var nameField = s.FieldNames.FirstOrDefault(f => string.Equals(f, "name", StringComparison.OrdinalIgnoreCase));
                    for (int e = 0; e < s.Elements.Count; e++)
                    {
                        var label = nameField is not null && s.Elements[e][nameField] is MatChar c && c.Text.Trim().Length > 0
                            ? c.Text.Trim()
                            : $"{variable} {e + 1}";
                        if (s.Elements[e][field] is not MatNumeric numeric)
                        {
                            throw new FormatReadException(fileName, $"{variable}({e + 1}).{field} is not numeric.");
                        }
                        rdms.Add(Named(label, null, Condensed(numeric.Array, $"{variable}({e + 1}).{field}", fileName)));
                    }
                    break;
                case MatNumeric numeric when numeric.Array.Rank == 2 && (IsSquare(numeric.Array) || IsVector(numeric.Array)):
                    rdms.Add(Named(variable, null, Condensed(numeric.Array, variable, fileName)));
                    break;
                case MatNumeric numeric when numeric.Array.Rank == 3 && numeric.Array.Shape[0] == numeric.Array.Shape[1]:
                    // MATLAB stacks RDMs along the last dimension: [n, n, k].
                    var a = numeric.Array;
                    int n = (int)a.Shape[0];
                    for (int k = 0; k < a.Shape[2]; k++)
                    {
                        var square = new double[(long)n * n];
                        for (int i = 0; i < n; i++)
                        {
                            for (int j = 0; j < n; j++)
                            {
                                square[(long)i * n + j] = a[i, j, k];
                            }
                        }
                        rdms.Add(Named($"{variable} {k + 1}", (k + 1).ToString(CultureInfo.InvariantCulture), Condense(square, n, $"{variable}(:,:,{k + 1})", fileName)));
                    }
                    break;
            }
        }
        return rdms;
    }

    private static List<NamedRdm> FromArray(NumericArray array, string stem, string fileName)
    {
        var a = array.ToCOrder();
        switch (a.Rank)
        {
            case 1:
            case 2 when IsSquare(a) || IsVector(a):
                return [Named(stem, null, Condensed(a, stem, fileName))];
            case 2:
                // [k, n(n-1)/2]: one condensed RDM per row.
                {
                    int k = (int)a.Shape[0], m = (int)a.Shape[1];
                    _ = ConditionsOf(m, stem, fileName);
                    var list = new List<NamedRdm>();
                    for (int r = 0; r < k; r++)
                    {
                        var values = new double[m];
                        for (int c = 0; c < m; c++)
                        {
                            values[c] = a.GetDouble((long)r * m + c);
                        }
                        list.Add(Named($"{stem} {r + 1}", (r + 1).ToString(CultureInfo.InvariantCulture), Checked(values, $"{stem}[{r}]", fileName)));
                    }
                    return list;
                }
            case 3 when a.Shape[1] == a.Shape[2]:
                {
                    int k = (int)a.Shape[0], n = (int)a.Shape[1];
                    var list = new List<NamedRdm>();
                    for (int s = 0; s < k; s++)
                    {
                        var square = new double[(long)n * n];
                        for (long i = 0; i < square.Length; i++)
                        {
                            square[i] = a.GetDouble((long)s * n * n + i);
                        }
                        list.Add(Named($"{stem} {s + 1}", (s + 1).ToString(CultureInfo.InvariantCulture), Condense(square, n, $"{stem}[{s}]", fileName)));
                    }
                    return list;
                }
            default:
                throw new FormatReadException(fileName, $"{stem} is {a.ShapeText}; RDMs must be [n, n], [subjects, n, n], a condensed vector [n(n-1)/2] or [subjects, n(n-1)/2].");
        }
    }

    private static bool IsSquare(NumericArray a) => a.Rank == 2 && a.Shape[0] == a.Shape[1] && a.Shape[0] > 1;

    private static bool IsVector(NumericArray a) => a.Rank == 1 || (a.Rank == 2 && (a.Shape[0] == 1 || a.Shape[1] == 1));

    private static (int Conditions, double[] Values) Condensed(NumericArray array, string what, string fileName)
    {
        if (IsSquare(array))
        {
            int n = (int)array.Shape[0];
            var square = new double[(long)n * n];
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    square[(long)i * n + j] = array[i, j];
                }
            }
            return Condense(square, n, what, fileName);
        }
        var values = new double[array.Length];
        for (long i = 0; i < values.Length; i++)
        {
            // A vector reads the same in either memory order.
            values[i] = array.GetDouble(i);
        }
        return Checked(values, what, fileName);
    }

    private static (int Conditions, double[] Values) Checked(double[] values, string what, string fileName)
    {
        int n = ConditionsOf(values.Length, what, fileName);
        for (int i = 0; i < values.Length; i++)
        {
            if (double.IsInfinity(values[i]))
            {
                throw new FormatReadException(fileName, $"{what} holds an infinite dissimilarity at position {i}.");
            }
        }
        return (n, values);
    }

    /// <summary>The upper triangle of a square RDM after checking it is one (symmetric, zero or missing diagonal).</summary>
    private static (int Conditions, double[] Values) Condense(double[] square, int n, string what, string fileName)
    {
        if (n < 3)
        {
            throw new FormatReadException(fileName, $"{what} is {n}x{n}; an RDM needs at least 3 conditions.");
        }
        double scale = 0;
        foreach (var v in square)
        {
            if (double.IsInfinity(v))
            {
                throw new FormatReadException(fileName, $"{what} holds an infinite dissimilarity.");
            }
            if (!double.IsNaN(v))
            {
                scale = Math.Max(scale, Math.Abs(v));
            }
        }
        var values = new double[n * (n - 1) / 2];
        int k = 0;
        for (int i = 0; i < n; i++)
        {
            double diagonal = square[(long)i * n + i];
            if (!double.IsNaN(diagonal) && Math.Abs(diagonal) > SymmetryTolerance * Math.Max(scale, 1))
            {
                throw new FormatReadException(fileName, $"{what} has {diagonal.ToString("G4", CultureInfo.InvariantCulture)} on the diagonal at ({i + 1}, {i + 1}); a dissimilarity matrix has zeros there (is it a similarity matrix?).");
            }
            for (int j = i + 1; j < n; j++)
            {
                double upper = square[(long)i * n + j], lower = square[(long)j * n + i];
                bool bothMissing = double.IsNaN(upper) && double.IsNaN(lower);
                if (!bothMissing && !(Math.Abs(upper - lower) <= SymmetryTolerance * Math.Max(scale, 1)))
                {
                    throw new FormatReadException(fileName, $"{what} is not symmetric: ({i + 1}, {j + 1}) = {upper.ToString("G6", CultureInfo.InvariantCulture)} but ({j + 1}, {i + 1}) = {lower.ToString("G6", CultureInfo.InvariantCulture)}.");
                }
                values[k++] = upper;
            }
        }
        return (n, values);
    }

    private static int ConditionsOf(int length, string what, string fileName)
    {
        // m = n(n-1)/2  <=>  n = (1 + sqrt(1 + 8m)) / 2.
        int n = (int)Math.Round((1 + Math.Sqrt(1 + 8.0 * length)) / 2);
        if (n < 3 || (long)n * (n - 1) / 2 != length)
        {
            throw new FormatReadException(fileName, $"{what} has {length} values, which is not the upper triangle of an n x n RDM (n(n-1)/2 values, n >= 3).");
        }
        return n;
    }

    private static NamedRdm Named(string name, string? subject, (int Conditions, double[] Values) rdm)
    {
        // "hIT | BE | Session: 1": region | subject | session.
        var parts = name.Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        int? session = null;
        string region = parts.Length > 0 ? parts[0] : name;
        if (parts.Length > 1)
        {
            foreach (var part in parts.Skip(1))
            {
                if (SessionPattern().Match(part) is { Success: true } m)
                {
                    session = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                }
                else
                {
                    subject ??= part;
                }
            }
        }
        else if (subject is not null)
        {
            // A numbered member of a stack: its region is the stack's name.
            region = name[..name.LastIndexOf(' ')];
        }
        return new NamedRdm(name, region, subject, session, rdm.Conditions, rdm.Values);
    }

    private static string Stem(string fileName)
    {
        var name = Path.GetFileName(fileName);
        foreach (var ext in new[] { ".npy", ".npz", ".mat" })
        {
            if (name.EndsWith(ext, StringComparison.OrdinalIgnoreCase))
            {
                return name[..^ext.Length];
            }
        }
        return name;
    }

    [GeneratedRegex(@"^Session\s*:?\s*(\d+)$", RegexOptions.IgnoreCase)]
    private static partial Regex SessionPattern();
}
