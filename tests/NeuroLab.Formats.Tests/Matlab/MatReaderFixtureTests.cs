using NeuroLab.Formats.Tests.Support;
using System.IO.Compression;
using NeuroLab.Formats.Matlab;

namespace NeuroLab.Formats.Tests.Matlab;

/// <summary>
/// Synthetic files from Reference/mat_reference.py for variants the real data lacks. Level 5 files are
/// compared with scipy.io.loadmat (scipy 1.10.1); v7.3 files with the h5py 3.7.0 reader in that script.
/// </summary>
public sealed class MatReaderFixtureTests
{
    public static TheoryData<string> ComparedFixtures =>
    [
        "v5_le.mat",
        "v5_be.mat",
        "v5_nosmall.mat",
        "scipy_plain.mat",
        "scipy_compressed.mat",
        "v73.mat",
    ];

    [Theory]
    [MemberData(nameof(ComparedFixtures))]
    public void Read_Fixture_MatchesReference(string name)
    {
        var file = MatReader.Read(MatTestFiles.Fixture(name));

        MatReferenceComparer.AssertFile(file, MatTestFiles.FixtureReference(name));
    }

    [Theory]
    [MemberData(nameof(ComparedFixtures))]
    public void Read_FixtureFromForwardOnlyStream_MatchesReference(string name)
    {
        using var stream = new ForwardOnlyStream(File.OpenRead(MatTestFiles.Fixture(name)));

        var file = MatReader.Read(stream, name);

        MatReferenceComparer.AssertFile(file, MatTestFiles.FixtureReference(name));
    }

    [Fact]
    public void Read_BigEndianFile_SameValuesAsLittleEndian()
    {
        var little = MatReader.Read(MatTestFiles.Fixture("v5_le.mat"));
        var big = MatReader.Read(MatTestFiles.Fixture("v5_be.mat"));

        Assert.False(little.IsBigEndian);
        Assert.True(big.IsBigEndian);
        Assert.Equal(little.Variables.Keys, big.Variables.Keys);
        Assert.Equal(((MatNumeric)little["big"]).Array.ToFloat64(), ((MatNumeric)big["big"]).Array.ToFloat64());
        Assert.Equal("Grüße ✓ αβγ", big["txt_unicode"].ToString());
    }

    [Fact]
    public void Read_DoubleStoredAsUint8_ConvertedToClassType()
    {
        var file = MatReader.Read(MatTestFiles.Fixture("v5_be.mat"));

        var value = Assert.IsType<MatNumeric>(file["dbl_as_u8"]);
        Assert.Equal(NumericType.Float64, value.Array.Type);
        Assert.Equal(255.0, value.Array[0, 2]);
        var narrowed = Assert.IsType<MatNumeric>(file["i32_as_i16"]);
        Assert.Equal(NumericType.Int32, narrowed.Array.Type);
        Assert.Equal([-5, 300], narrowed.Array.AsSpan<int>().ToArray());
    }

    [Fact]
    public void Read_ComplexAndLogical_TypedByClass()
    {
        var file = MatReader.Read(MatTestFiles.Fixture("v5_le.mat"));

        var complex = Assert.IsType<MatNumeric>(file["cplx"]);
        Assert.Equal(NumericType.Complex128, complex.Array.Type);
        // (row 1, column 2) of [1 2; 3 4] + i[-1 0.5; 0 9]: real 2, imaginary 0.5, at Fortran position 2.
        Assert.Equal([2.0, 0.5], ((double[])complex.Array.Data)[4..6]);
        Assert.Equal(NumericType.Complex64, ((MatNumeric)file["cplx_sgl"]).Array.Type);
        var complexInt = Assert.IsType<MatNumeric>(file["cplx_i16"]);
        Assert.Equal(("int16", NumericType.Complex128), (complexInt.ClassName, complexInt.Array.Type));
        var logical = Assert.IsType<MatNumeric>(file["lgc"]);
        Assert.True(logical.IsLogical);
        Assert.Equal(NumericType.Bool, logical.Array.Type);
        Assert.Equal([true, false, false, false, true, true], logical.Array.AsSpan<bool>().ToArray());
    }

    [Fact]
    public void Read_CharMatrix_RowsOfStrings()
    {
        var file = MatReader.Read(MatTestFiles.Fixture("v5_le.mat"));

        var rows = Assert.IsType<MatChar>(file["rows"]);
        Assert.Equal(["abc", "def", "ghi"], rows.Rows);
        Assert.Equal("abc\ndef\nghi", rows.Text);
        var empty = Assert.IsType<MatChar>(file["chr_empty"]);
        Assert.Equal("", empty.Text);
        Assert.Empty(empty.Rows);
    }

    [Fact]
    public void Read_NestedStructs_FieldsInFileOrder()
    {
        var file = MatReader.Read(MatTestFiles.Fixture("v5_le.mat"));

        var s = Assert.IsType<MatStruct>(file["s"]);
        Assert.Equal(["alpha", "beta_long_field_name", "nested", "cells"], s.FieldNames);
        var nested = Assert.IsType<MatStruct>(s.Get("nested"));
        Assert.Equal("inner", nested.Get("label").ToString());
        var array = Assert.IsType<MatStruct>(file["sarr"]);
        Assert.Equal("second", array.Get("name", 1).ToString());
        Assert.Equal([0L, 0L], array.Get("name", 2).Shape);
        Assert.Equal(["sglobal"], file.GlobalNames);
        Assert.Throws<KeyNotFoundException>(() => s.Get("missing"));
    }

    [Fact]
    public void Read_V73_ShapesAreMatlabNotHdf5()
    {
        var file = MatReader.Read(MatTestFiles.Fixture("v73.mat"));

        Assert.Equal(73, file.Version);
        Assert.StartsWith("MATLAB 7.3 MAT-file", file.HeaderText);
        // HDF5 stores the 30x40 double as 40x30; the reader reports MATLAB's shape.
        var big = Assert.IsType<MatNumeric>(file["big"]);
        Assert.Equal([30L, 40L], big.Shape);
        Assert.Equal([2L, 3L, 4L], file["nd"].Shape);
        Assert.Equal(23 * 0.5, ((MatNumeric)file["nd"]).Array[1, 2, 3]);
        Assert.Equal("hello world", file["txt"].ToString());
        Assert.Equal(["abc", "def", "ghi"], ((MatChar)file["rows"]).Rows);
        var cell = Assert.IsType<MatCell>(file["c"]);
        Assert.Equal("two", cell[1].ToString());
        var structArray = Assert.IsType<MatStruct>(file["sarr"]);
        Assert.Equal([1L, 3L], structArray.Shape);
        Assert.Equal("first", structArray.Get("name", 0).ToString());
        Assert.Equal(["sglobal"], file.GlobalNames);
    }

    [Fact]
    public void Read_V73_SparseObjectsAndFunctionHandlesListedAsUnsupported()
    {
        var file = MatReader.Read(MatTestFiles.Fixture("v73.mat"));

        var reasons = file.Unsupported.ToDictionary(u => u.Name, u => u.Reason);
        Assert.Equal("variable 'sp': sparse matrices are not supported", reasons["sp"]);
        Assert.Contains("function handles are not supported", reasons["fh"]);
        Assert.Contains("class 'string'", reasons["str"]);
        Assert.DoesNotContain("#refs#", file.Variables.Keys);
        Assert.DoesNotContain("#subsystem#", file.Variables.Keys);
    }

    [Fact]
    public void Read_V73Strict_FailsOnFirstUnsupported()
    {
        var e = Assert.Throws<FormatReadException>(() => MatReader.Read(MatTestFiles.Fixture("v73.mat"), strict: true));

        // Variables are read in link-name order, so the function handle 'fh' is the first unsupported one.
        Assert.Equal("v73.mat: variable 'fh': function handles are not supported (strict mode; by default such variables are skipped and listed in MatFile.Unsupported).", e.Message);
    }

    [Fact]
    public void Read_V73FromStreamNotAtOffsetZero_CopiesAndReads()
    {
        var bytes = File.ReadAllBytes(MatTestFiles.Fixture("v73.mat"));
        using var stream = new MemoryStream([.. new byte[100], .. bytes]);
        stream.Position = 100;

        var file = MatReader.Read(stream, "v73.mat");

        MatReferenceComparer.AssertFile(file, MatTestFiles.FixtureReference("v73.mat"));
    }

    [Fact]
    public void Read_GzipWrappedFile_Unwrapped()
    {
        var path = Path.Combine(Path.GetTempPath(), $"neurolab-mat-test-{Guid.NewGuid():N}.mat.gz");
        try
        {
            using (var target = File.Create(path))
            using (var gzip = new GZipStream(target, CompressionLevel.Fastest))
            {
                gzip.Write(File.ReadAllBytes(MatTestFiles.Fixture("scipy_plain.mat")));
            }

            var file = MatReader.Read(path);

            MatReferenceComparer.AssertFile(file, MatTestFiles.FixtureReference("scipy_plain.mat"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Read_UnsupportedClasses_SkippedAndListedWithReasons()
    {
        var file = MatReader.Read(MatTestFiles.Fixture("unsupported.mat"));

        Assert.Equal(["before", "middle", "after"], file.Variables.Keys);
        Assert.Equal([1.0, 2.0], ((MatNumeric)file["before"]).Array.ToFloat64());
        Assert.Equal("still here", file["middle"].ToString());
        Assert.Equal([(sbyte)-1, (sbyte)1], ((MatNumeric)file["after"]).Array.AsSpan<sbyte>().ToArray());
        var reasons = file.Unsupported.ToDictionary(u => u.Name, u => u.Reason);
        Assert.Equal(["sp", "fh", "str", "obj", "holder"], file.Unsupported.Select(u => u.Name));
        Assert.Equal("variable 'sp': sparse matrices are not supported", reasons["sp"]);
        Assert.Equal("variable 'fh': function handles are not supported", reasons["fh"]);
        Assert.Contains("class 'string'", reasons["str"]);
        Assert.Contains("class 'myclass'", reasons["obj"]);
        Assert.Equal("variable 'holder' (at holder.bad): sparse matrices are not supported", reasons["holder"]);
    }

    [Fact]
    public void Read_UnsupportedClassStrict_FailsNamingTheVariable()
    {
        var e = Assert.Throws<FormatReadException>(() => MatReader.Read(MatTestFiles.Fixture("unsupported.mat"), strict: true));

        Assert.Equal("unsupported.mat", e.FileName);
        Assert.Equal("variable 'sp': sparse matrices are not supported (strict mode; by default such variables are skipped and listed in MatFile.Unsupported).", e.Reason);
    }

    [Fact]
    public void Read_NestingBeyondLimit_Fails()
    {
        var e = Assert.Throws<FormatReadException>(() => MatReader.Read(MatTestFiles.Fixture("deep.mat")));

        Assert.Contains($"nested deeper than {MatReader.MaxDepth} levels", e.Message);
        Assert.Contains("variable 'deep'", e.Message);
    }

    [Fact]
    public void Read_MatV4_SaysNotSupported()
    {
        var e = Assert.Throws<FormatReadException>(() => MatReader.Read(MatTestFiles.Fixture("v4.mat")));

        Assert.Contains("MAT v4", e.Message);
    }
}
