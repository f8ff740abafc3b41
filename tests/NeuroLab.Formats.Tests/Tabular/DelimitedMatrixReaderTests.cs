using NeuroLab.Formats.Tests.Support;
using System.Text;
using System.Text.Json;
using NeuroLab.Formats.Tabular;
using static NeuroLab.Formats.Tests.Tabular.TabularTestFiles;

namespace NeuroLab.Formats.Tests.Tabular;

public class DelimitedMatrixReaderTests
{
    public static TheoryData<string> RealFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Reference.GetProperty("matrices").EnumerateObject())
        {
            data.Add(file.Name);
        }
        return data;
    }

    public static TheoryData<string> Fixtures()
    {
        var data = new TheoryData<string>();
        foreach (var file in Reference.GetProperty("fixtures").EnumerateObject().Where(f => f.Value.TryGetProperty("shape", out _)))
        {
            data.Add(file.Name);
        }
        return data;
    }

    [Fact]
    public void Reference_CoversEveryRealNumericTextFile()
    {
        var root = SharedData.Root;
        var onDisk = Directory.GetFiles(SharedData.Path("abide-cc200"), "*.1D")
            .Concat(Directory.GetFiles(SharedData.Path("haxby2001/sub001/BOLD"), "bold_moest.txt", SearchOption.AllDirectories))
            .Concat(Directory.GetFiles(SharedData.Path("haxby2001/sub001/model"), "cond*.txt", SearchOption.AllDirectories))
            .Select(p => Path.GetRelativePath(root, p).Replace('\\', '/'))
            .Order(StringComparer.Ordinal);

        Assert.Equal(onDisk, Reference.GetProperty("matrices").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(2 + 12 + 96, RealFiles().Count);
    }

    // Reference: numpy 1.24.2 numpy.loadtxt (ndmin=2). Both sides round decimal text to the nearest
    // float64, so values are compared exactly; column sums (different summation order) to 1e-12 relative.
    [Theory]
    [MemberData(nameof(RealFiles))]
    public void Read_RealFile_MatchesNumpyLoadtxt(string relativePath)
    {
        var expected = Reference.GetProperty("matrices").GetProperty(relativePath);

        var matrix = DelimitedMatrixReader.Read(SharedData.Path(relativePath));

        Assert.Equal(NumericType.Float64, matrix.Values.Type);
        Assert.Equal(ArrayOrder.C, matrix.Values.Order);
        Assert.Equal(FieldSeparator.Whitespace, matrix.Separator);
        AssertMatches(expected, matrix);
    }

    [Fact]
    public void Read_AbidePitt_196By200WithRoiNames()
    {
        var matrix = DelimitedMatrixReader.Read(SharedData.Path("abide-cc200/Pitt_0050003_rois_cc200.1D"));

        Assert.Equal([196L, 200L], matrix.Values.Shape);
        Assert.Equal(Enumerable.Range(1, 200).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), matrix.ColumnNames);
    }

    // The FSL 3-column onset files and the BIDS events file of a run describe the same blocks.
    [Fact]
    public void Read_FslOnsetFiles_AgreeWithBidsEvents()
    {
        var conditions = File.ReadAllLines(SharedData.Path("haxby2001/models/model001/condition_key.txt"))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToDictionary(f => f[1], f => f[2]);
        foreach (var run in Directory.GetDirectories(SharedData.Path("haxby2001/sub001/model/model001/onsets")))
        {
            var events = BidsEventsReader.Read(SharedData.Path($"haxby2001/sub001/BOLD/{Path.GetFileName(run)}/bold_events.tsv"));
            foreach (var (cond, trialType) in conditions)
            {
                var fsl = DelimitedMatrixReader.Read(Path.Combine(run, cond + ".txt")).Values;
                var match = Assert.Single(events.Events, e => e.TrialType == trialType);
                Assert.Equal([1L, 3L], fsl.Shape);
                Assert.Equal(match.Onset, fsl[0, 0]);
                Assert.Equal(match.Duration, fsl[0, 1]);
                Assert.Equal(1.0, fsl[0, 2]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Read_SyntheticFixture_MatchesNumpy(string name)
    {
        var expected = Reference.GetProperty("fixtures").GetProperty(name);
        var options = new DelimitedMatrixOptions { AllowNonFinite = name.StartsWith("confounds", StringComparison.Ordinal) };

        var matrix = DelimitedMatrixReader.Read(Fixture(name), options);

        AssertMatches(expected, matrix);
    }

    [Fact]
    public void Read_Fixtures_DetectSeparatorsAndHeaders()
    {
        Assert.Equal(FieldSeparator.Tab, DelimitedMatrixReader.Read(Fixture("confounds_like.tsv"), new() { AllowNonFinite = true }).Separator);
        Assert.Equal(FieldSeparator.Semicolon, DelimitedMatrixReader.Read(Fixture("semicolon_bom.csv")).Separator);
        Assert.Equal(FieldSeparator.Comma, DelimitedMatrixReader.Read(Fixture("matrix.csv.gz")).Separator);
        var saved = DelimitedMatrixReader.Read(Fixture("savetxt_header.csv"));
        Assert.Null(saved.ColumnNames);
        Assert.Equal(FieldSeparator.Comma, saved.Separator);
        var single = DelimitedMatrixReader.Read(Fixture("single_column.txt"));
        Assert.Equal([6L, 1L], single.Values.Shape);
        Assert.True(double.IsNegative(single.Values[4, 0]));
        Assert.Equal(1.5e-300, single.Values[0, 0]);
    }

    [Fact]
    public void Read_ConfoundsWithoutAllowNonFinite_NamesLineColumnAndOption()
    {
        var e = Assert.Throws<FormatReadException>(() => DelimitedMatrixReader.Read(Fixture("confounds_like.tsv")));

        Assert.Contains("confounds_like.tsv: line 2, column 3 ('framewise_displacement'): 'n/a' marks a missing value", e.Message);
        Assert.Contains("AllowNonFinite", e.Message);
    }

    [Fact]
    public void Read_ForwardOnlyStream_SameAsPath()
    {
        var path = SharedData.Path("abide-cc200/Pitt_0050003_rois_cc200.1D");
        var fromPath = DelimitedMatrixReader.Read(path);

        var fromStream = DelimitedMatrixReader.Read(new ForwardOnlyStream(File.OpenRead(path)), "Pitt_0050003_rois_cc200.1D");

        Assert.Equal(fromPath.Values.AsSpan<double>().ToArray(), fromStream.Values.AsSpan<double>().ToArray());
        Assert.Equal(fromPath.ColumnNames, fromStream.ColumnNames);
    }

    [Theory]
    [InlineData("a.txt", "1,2\n3,4\n", FieldSeparator.Comma)]
    [InlineData("a.txt", "1;2\n3;4\n", FieldSeparator.Semicolon)]
    [InlineData("a.txt", "1\t2\n3  4\n", FieldSeparator.Whitespace)]
    [InlineData("a.dat", " 1 2\n3 4 \n", FieldSeparator.Whitespace)]
    [InlineData("a.tsv", "1\t2\n3\t4\n", FieldSeparator.Tab)]
    [InlineData("A.CSV", "1,2\n3,4\n", FieldSeparator.Comma)]
    [InlineData("a.csv.gz", "1,2\n3,4\n", FieldSeparator.Comma)]
    public void Read_AutoSeparator_ChosenFromNameAndFirstLine(string name, string text, FieldSeparator expected)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        if (name.EndsWith(".gz", StringComparison.Ordinal))
        {
            bytes = Gzip(bytes);
        }

        var matrix = DelimitedMatrixReader.Read(new MemoryStream(bytes), name);

        Assert.Equal(expected, matrix.Separator);
        Assert.Equal([1.0, 2, 3, 4], matrix.Values.AsSpan<double>().ToArray());
    }

    [Fact]
    public void Read_HeaderModes_FollowOptions()
    {
        const string Numeric = "1 2 3\n4 5 6\n";

        var auto = DelimitedMatrixReader.Read(Text(Numeric), "x.txt");
        var first = DelimitedMatrixReader.Read(Text(Numeric), "x.txt", new() { Header = HeaderRow.FirstRow });
        var none = Assert.Throws<FormatReadException>(() => DelimitedMatrixReader.Read(Text("a b\n1 2\n"), "x.txt", new() { Header = HeaderRow.None }));

        Assert.Null(auto.ColumnNames);
        Assert.Equal([2L, 3L], auto.Values.Shape);
        Assert.Equal(["1", "2", "3"], first.ColumnNames);
        Assert.Equal([1L, 3L], first.Values.Shape);
        Assert.Contains("line 1, column 1: 'a' is not a number", none.Message);
    }

    [Fact]
    public void Read_HashHeaderWithWrongCount_IsAComment()
    {
        var matrix = DelimitedMatrixReader.Read(Text("#1 #2 #3\n1 2\n3 4\n"), "x.1D");

        Assert.Null(matrix.ColumnNames);
        Assert.Equal([2L, 2L], matrix.Values.Shape);
    }

    [Fact]
    public void Read_HeaderAndHashLine_HeaderRowWins()
    {
        var matrix = DelimitedMatrixReader.Read(Text("#x #y\nleft right\n1 2\n"), "x.txt");

        Assert.Equal(["left", "right"], matrix.ColumnNames);
    }

    [Fact]
    public void Read_QuotedCsv_UnquotesNamesAndNumbers()
    {
        var matrix = DelimitedMatrixReader.Read(Text("\"a \"\"x\"\"\",\"b,c\"\n\"1.5\", 2\n"), "q.csv");

        Assert.Equal(["a \"x\"", "b,c"], matrix.ColumnNames);
        Assert.Equal([1.5, 2.0], matrix.Values.AsSpan<double>().ToArray());
    }

    [Fact]
    public void Read_AllowNonFinite_KeepsNaNInfAndMissing()
    {
        var matrix = DelimitedMatrixReader.Read(Text("a,b,c,d,e\nnan,-Inf,,NA,1e999\n"), "x.csv", new() { AllowNonFinite = true });

        var row = matrix.Values.AsSpan<double>().ToArray();
        Assert.True(double.IsNaN(row[0]));
        Assert.Equal(double.NegativeInfinity, row[1]);
        Assert.True(double.IsNaN(row[2]) && double.IsNaN(row[3]));
        Assert.Equal(double.PositiveInfinity, row[4]);
    }

    [Theory]
    [InlineData("", "empty file")]
    [InlineData("\n  \n\t\n", "empty file")]
    [InlineData("# only a comment\n", "only comments")]
    [InlineData("a,b\n", "header (line 1) but no numbers")]
    [InlineData("a,b\n1,2,3\n", "line 2 has 3 fields but the header on line 1 names 2 columns")]
    [InlineData("1,2\n3,4\n5\n", "line 3 has 1 fields but line 1 has 2")]
    [InlineData("a,b\n1,2\n3,NaN\n", "line 3, column 2 ('b'): 'NaN' is not finite")]
    [InlineData("1,2\n3,-inf\n", "line 2, column 2: '-inf' is not finite")]
    [InlineData("1,2\n3,1e400\n", "'1e400' is not finite")]
    [InlineData("1,2\n3,\n", "line 2, column 2: the field is empty")]
    [InlineData("1,2\n3,n/a\n", "'n/a' marks a missing value")]
    [InlineData("1,2\n3,x\n", "line 2, column 2: 'x' is not a number.")]
    [InlineData("1;2\n3;4,5\n", "(a decimal comma? numbers must use '.')")]
    [InlineData("a,\"b\n1,2\n", "line 1, column 2: a quoted field is not closed")]
    [InlineData("1,2\n3,4\0\n", "line 2 contains a NUL character")]
    public void Read_BadMatrix_FormatReadExceptionNamingTheProblem(string text, string expected)
    {
        var e = Assert.Throws<FormatReadException>(() => DelimitedMatrixReader.Read(Text(text), "data.csv"));

        Assert.Contains(expected, e.Message);
        Assert.StartsWith("data.csv: ", e.Message);
    }

    [Fact]
    public void Read_MoreCellsThanLimits_RejectedBeforeStoring()
    {
        var text = string.Concat(Enumerable.Range(0, 1000).Select(i => $"{i} {i} {i}\n"));
        var limits = new ReadLimits { MaxElements = 1500 };

        var e = Assert.Throws<FormatReadException>(() => DelimitedMatrixReader.Read(Text(text), "big.txt", new() { Limits = limits }));

        Assert.Contains("matrix of shape [501, 3] is too large", e.Message);
    }

    [Fact]
    public void Read_LineOverLimit_Rejected()
    {
        var e = Assert.Throws<FormatReadException>(() => DelimitedMatrixReader.Read(Text("1 2 3\n" + new string('7', 5000)), "x.txt", new() { MaxLineChars = 1000 }));

        Assert.Contains("line 2 is longer than 1,000 characters", e.Message);
    }

    [Fact]
    public void Read_BinaryFile_RejectedAsNotText()
    {
        var png = File.ReadAllBytes(SharedData.Path("k92/images/00.png"));

        var e = Assert.Throws<FormatReadException>(() => DelimitedMatrixReader.Read(new MemoryStream(png), "00.png"));
        var nifti = Assert.Throws<FormatReadException>(() => DelimitedMatrixReader.Read(SharedData.Path("haxby2001/sub001/BOLD/task001_run001/bold_25mm.nii.gz")));

        Assert.Equal("00.png: line 2 contains the control character U+001A: this is not a text table (a binary file such as an image or NIfTI volume, or UTF-16 text without a byte-order mark?).", e.Message);
        Assert.Matches("^bold_25mm.nii.gz: line 1 contains (a NUL character|the control character U\\+[0-9A-F]{4}): this is not a text table", nifti.Message);
    }

    [Fact]
    public void Read_CorruptAndTruncatedGzip_FormatReadException()
    {
        var gz = Gzip(File.ReadAllBytes(SharedData.Path("abide-cc200/NYU_0050952_rois_cc200.1D")));
        var flipped = (byte[])gz.Clone();
        for (int i = 100; i < flipped.Length; i += 1000)
        {
            flipped[i] ^= 0xFF;
        }

        var corrupt = Assert.Throws<FormatReadException>(() => DelimitedMatrixReader.Read(new MemoryStream(flipped), "roi.1D.gz"));
        var truncated = Assert.Throws<FormatReadException>(() => DelimitedMatrixReader.Read(new MemoryStream(gz[..^8]), "roi.1D.gz"));

        Assert.StartsWith("roi.1D.gz: corrupt compressed data near line ", corrupt.Message);
        Assert.Contains("compressed data ends early", truncated.Message);
    }

    [Fact]
    public void Read_SeededCorruptionsOfRealFiles_OnlyFormatReadException()
    {
        var files = Directory.GetFiles(SharedData.Path("abide-cc200"), "*.1D").Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray();
        var options = new DelimitedMatrixOptions { Limits = new ReadLimits { MaxArrayBytes = 4 << 20 }, MaxLineChars = 1 << 16 };
        var rng = new Random(7);
        int failures = 0;
        for (int i = 0; i < 320; i++)
        {
            var bytes = TabularCorruption.Mutate(files[i % files.Length], rng, i);
            try
            {
                var matrix = DelimitedMatrixReader.Read(new MemoryStream(bytes), "rois_cc200.1D", options);
                Assert.True(matrix.Values.Length * 8 <= options.Limits.MaxArrayBytes);
                Assert.All(matrix.Values.AsSpan<double>().ToArray(), v => Assert.True(double.IsFinite(v)));
            }
            catch (FormatReadException e)
            {
                Assert.StartsWith("rois_cc200.1D: ", e.Message);
                failures++;
            }
        }
        Assert.True(failures > 100, $"only {failures} of 320 corruptions were rejected");
    }

    private static void AssertMatches(JsonElement expected, DelimitedMatrix matrix)
    {
        var shape = expected.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        Assert.Equal(shape, matrix.Values.Shape);
        var names = expected.GetProperty("column_names");
        if (names.ValueKind == JsonValueKind.Null)
        {
            Assert.Null(matrix.ColumnNames);
        }
        else
        {
            Assert.Equal(names.EnumerateArray().Select(n => n.GetString()), matrix.ColumnNames);
        }
        int rows = (int)shape[0];
        int columns = (int)shape[1];
        Assert.Equal(NaNAsNull(expected.GetProperty("first_row")), Row(matrix, 0));
        Assert.Equal(NaNAsNull(expected.GetProperty("last_row")), Row(matrix, rows - 1));
        foreach (var cell in expected.GetProperty("cells").EnumerateArray())
        {
            var value = matrix.Values[cell[0].GetInt64(), cell[1].GetInt64()];
            Assert.Equal(cell[2].ValueKind == JsonValueKind.Null ? (double?)null : cell[2].GetDouble(), double.IsNaN(value) ? (double?)null : value);
        }
        var sums = expected.GetProperty("column_sums").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var data = matrix.Values.AsSpan<double>();
        int nanCount = 0;
        for (int c = 0; c < columns; c++)
        {
            double sum = 0;
            for (int r = 0; r < rows; r++)
            {
                double v = data[(r * columns) + c];
                if (double.IsNaN(v))
                {
                    nanCount++;
                }
                else
                {
                    sum += v;
                }
            }
            Assert.True(Math.Abs(sum - sums[c]) <= 1e-12 * Math.Max(1, Math.Abs(sums[c]) * rows), $"column {c}: sum {sum} vs numpy {sums[c]}");
        }
        Assert.Equal(expected.GetProperty("nan_count").GetInt32(), nanCount);
    }

    private static double?[] Row(DelimitedMatrix matrix, int row)
        => [.. Enumerable.Range(0, matrix.ColumnCount).Select(c => matrix.Values[row, c]).Select(v => double.IsNaN(v) ? (double?)null : v)];

    private static double?[] NaNAsNull(JsonElement array) => NullableDoubles(array);
}
