namespace NeuroLab.Formats.Matlab;

/// <summary>
/// The contents of a MATLAB MAT-file (v5/v6/v7 "Level 5" or v7.3 HDF5-based), as read by
/// <see cref="MatReader"/>.
/// </summary>
public sealed class MatFile
{
    internal MatFile(
        string headerText,
        int version,
        bool isBigEndian,
        IReadOnlyDictionary<string, MatValue> variables,
        IReadOnlyList<MatUnsupportedVariable> unsupported,
        IReadOnlyList<string> globalNames,
        IReadOnlyList<string> warnings)
    {
        HeaderText = headerText;
        Version = version;
        IsBigEndian = isBigEndian;
        Variables = variables;
        Unsupported = unsupported;
        GlobalNames = globalNames;
        Warnings = warnings;
    }

    /// <summary>
    /// The descriptive text of the 128-byte header, e.g.
    /// "MATLAB 5.0 MAT-file, Platform: GLNXA64, Created on: Thu Apr 18 13:25:09 2013" (trailing blanks removed).
    /// </summary>
    public string HeaderText { get; }

    /// <summary>5 for Level 5 files (MATLAB -v6 and -v7, also what scipy writes), 73 for -v7.3 (HDF5).</summary>
    public int Version { get; }

    /// <summary>True when a Level 5 file was written big-endian (endian indicator "MI").</summary>
    public bool IsBigEndian { get; }

    /// <summary>
    /// Variables by name. Level 5: in file order. v7.3: in HDF5 link-name order (what h5py and MATLAB's
    /// <c>whos -file</c> list); MATLAB's own "#refs#" and "#subsystem#" groups are not variables.
    /// </summary>
    public IReadOnlyDictionary<string, MatValue> Variables { get; }

    /// <summary>
    /// Variables that were skipped because their class is not supported (sparse matrices, objects,
    /// function handles, MATLAB's opaque classes such as string, table, datetime), with the reason.
    /// Empty when the file was read in strict mode, where such a variable fails the read instead.
    /// </summary>
    public IReadOnlyList<MatUnsupportedVariable> Unsupported { get; }

    /// <summary>Names of variables saved with MATLAB's global flag.</summary>
    public IReadOnlyList<string> GlobalNames { get; }

    /// <summary>Things a person may want to know that did not stop the read (e.g. a repeated variable name).</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>The variable <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such variable (the message lists the ones there are).</exception>
    public MatValue this[string name] =>
        Variables.TryGetValue(name, out var value)
            ? value
            : throw new KeyNotFoundException($"No variable '{name}' in the MAT-file (variables: {string.Join(", ", Variables.Keys)}).");
}

/// <summary>A variable <see cref="MatReader"/> skipped, and why.</summary>
/// <param name="Name">The variable name.</param>
/// <param name="Reason">
/// Why it was skipped, naming the nested field or cell when the problem is inside, e.g.
/// "variable 'sp': sparse matrices are not supported" or
/// "variable 'holder' (at holder.bad): sparse matrices are not supported".
/// </param>
public sealed record MatUnsupportedVariable(string Name, string Reason);
