using NeuroLab.Formats.Tests.Support;
using System.Text;
using NeuroLab.Formats.Tabular;
using static NeuroLab.Formats.Tests.Tabular.TabularTestFiles;

namespace NeuroLab.Formats.Tests.Tabular;

public class BidsEventsReaderTests
{
    public static TheoryData<string> HaxbyRuns()
    {
        var data = new TheoryData<string>();
        foreach (var run in Reference.GetProperty("events").EnumerateObject())
        {
            data.Add(run.Name);
        }
        return data;
    }

    [Fact]
    public void Reference_CoversEveryHaxbyEventsFile()
    {
        var onDisk = Directory.GetFiles(SharedData.Path("haxby2001/sub001/BOLD"), "bold_events.tsv", SearchOption.AllDirectories);
        Assert.Equal(12, onDisk.Length);
        Assert.Equal(onDisk.Length, HaxbyRuns().Count);
    }

    // Reference: Python's csv module (delimiter='\t'); values are decimal text, so equality is exact.
    [Theory]
    [MemberData(nameof(HaxbyRuns))]
    public void Read_HaxbyRun_MatchesPythonCsv(string relativePath)
    {
        var expected = Reference.GetProperty("events").GetProperty(relativePath);

        var table = BidsEventsReader.Read(SharedData.Path(relativePath));

        Assert.Equal(expected.GetProperty("columns").EnumerateArray().Select(c => c.GetString()), table.Columns);
        var onsets = expected.GetProperty("onset").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(8, table.Events.Count);
        Assert.Equal(onsets, table.Events.Select(e => e.Onset));
        Assert.Equal(NullableDoubles(expected.GetProperty("duration")), table.Events.Select(e => e.Duration));
        var trialTypes = NullableStrings(expected.GetProperty("trial_type"));
        Assert.Equal(trialTypes, table.Events.Select(e => e.TrialType));
        Assert.Equal(trialTypes.Distinct(), table.TrialTypes);
        Assert.Equal(8, table.TrialTypes.Count);
        Assert.All(table.Events, e => Assert.Empty(e.Extra));
        Assert.Equal(Enumerable.Range(2, 8), table.Events.Select(e => e.LineNumber));
    }

    [Fact]
    public void Read_FullFixture_ParsesOptionalAndExtraColumns()
    {
        var expected = Reference.GetProperty("fixtures").GetProperty("events_full.tsv");

        var table = BidsEventsReader.Read(Fixture("events_full.tsv"));

        Assert.Equal(expected.GetProperty("columns").EnumerateArray().Select(c => c.GetString()), table.Columns);
        Assert.Equal(expected.GetProperty("onset").EnumerateArray().Select(e => e.GetDouble()), table.Events.Select(e => e.Onset));
        Assert.Equal(-2.5, table.Events[0].Onset);
        Assert.Equal(NullableDoubles(expected.GetProperty("duration")), table.Events.Select(e => e.Duration));
        Assert.Null(table.Events[2].Duration);
        Assert.Equal(NullableStrings(expected.GetProperty("trial_type")), table.Events.Select(e => e.TrialType));
        Assert.Equal(["fixation", "go", "stop"], table.TrialTypes);
        Assert.Equal(NullableDoubles(expected.GetProperty("response_time")), table.Events.Select(e => e.ResponseTime));
        var extra = expected.GetProperty("extra");
        foreach (var column in extra.EnumerateObject())
        {
            Assert.Equal(NullableStrings(column.Value), table.Events.Select(e => e.Extra[column.Name]));
        }
        Assert.Equal(["response_time", "stim_file", "HED", "value"], table.Events[0].Extra.Keys.Order(StringComparer.Ordinal).ToArray().OrderBy(k => Array.IndexOf(table.Columns.ToArray(), k)));
        Assert.Equal(NullableStrings(extra.GetProperty("stim_file")), table.Events.Select(e => e.StimFile));
    }

    [Fact]
    public void Read_ExcelUtf16Export_DecodesText()
    {
        var expected = Reference.GetProperty("fixtures").GetProperty("events_utf16.tsv");

        var table = BidsEventsReader.Read(Fixture("events_utf16.tsv"));

        Assert.Equal(expected.GetProperty("onset").EnumerateArray().Select(e => e.GetDouble()), table.Events.Select(e => e.Onset));
        Assert.Equal(NullableStrings(expected.GetProperty("note")), table.Events.Select(e => e.Extra["note"]));
        Assert.Equal("café", table.Events[0].Extra["note"]);
    }

    [Fact]
    public void Read_StreamAndGzip_SameAsPath()
    {
        var path = SharedData.Path("haxby2001/sub001/BOLD/task001_run001/bold_events.tsv");
        var fromPath = BidsEventsReader.Read(path);
        var bytes = File.ReadAllBytes(path);

        var fromStream = BidsEventsReader.Read(new ForwardOnlyStream(new MemoryStream(bytes)), "bold_events.tsv");
        var fromGzip = BidsEventsReader.Read(new MemoryStream(Gzip(bytes)), "bold_events.tsv.gz");

        Assert.Equal(fromPath.Events.Select(e => (e.Onset, e.Duration, e.TrialType)), fromStream.Events.Select(e => (e.Onset, e.Duration, e.TrialType)));
        Assert.Equal(fromPath.Events.Select(e => (e.Onset, e.Duration, e.TrialType)), fromGzip.Events.Select(e => (e.Onset, e.Duration, e.TrialType)));
    }

    [Fact]
    public void Read_ColumnsInAnyOrderWithBlankLinesAndBom_ReadsByName()
    {
        var text = "\uFEFFtrial_type\tduration\tonset\n\nface\t2\t10\r\n\nhouse\tn/a\t-1.5e1\n\n";

        var table = BidsEventsReader.Read(Text(text), "events.tsv");

        Assert.Equal(["trial_type", "duration", "onset"], table.Columns);
        Assert.Equal([10.0, -15.0], table.Events.Select(e => e.Onset));
        Assert.Equal([2.0, null], table.Events.Select(e => e.Duration));
        Assert.Equal([3, 5], table.Events.Select(e => e.LineNumber));
        Assert.Equal(["face", "house"], table.TrialTypes);
    }

    [Fact]
    public void Read_Stream_LeftOpenForTheCaller()
    {
        var stream = Text("onset\tduration\n1\t2\n");

        BidsEventsReader.Read(stream, "events.tsv");
        var gz = new MemoryStream(Gzip(stream.ToArray()));
        BidsEventsReader.Read(gz, "events.tsv.gz");

        Assert.True(stream.CanRead);
        Assert.True(gz.CanRead);
    }

    [Fact]
    public void Read_NoTrialTypeColumn_EmptyTrialTypes()
    {
        var table = BidsEventsReader.Read(Text("onset\tduration\n1\t0\n"), "events.tsv");

        Assert.Empty(table.TrialTypes);
        Assert.Null(table.Events[0].TrialType);
        Assert.Equal(0.0, table.Events[0].Duration);
    }

    [Fact]
    public void Read_HeaderOnly_NoEvents()
    {
        var table = BidsEventsReader.Read(Text("onset\tduration\ttrial_type\n"), "events.tsv");

        Assert.Empty(table.Events);
        Assert.Equal(3, table.Columns.Count);
    }

    [Theory]
    [InlineData("", "empty file")]
    [InlineData("\n\n  \n", "empty file")]
    [InlineData("onset\ttrial_type\n1\tface\n", "missing required column 'duration'")]
    [InlineData("Onset\tDuration\n1\t2\n", "BIDS column names are case-sensitive")]
    [InlineData("onset duration trial_type\n1 2 face\n", "tab-separated")]
    [InlineData("onset,duration\n1,2\n", "tab-separated")]
    [InlineData("onset\tduration\tonset\n1\t2\t3\n", "names column 'onset' twice")]
    [InlineData("onset\tduration\t\n1\t2\t\n", "column 3 has an empty name (a trailing tab?)")]
    [InlineData("onset\tduration\n1\t2\n3\t4\t\n", "line 3 has 3 fields but the header has 2")]
    [InlineData("onset\tduration\n1\t2\n3 4\n", "line 3 has 1 fields but the header has 2 (onset, duration). The line has no tab")]
    [InlineData("onset\tduration\n1\t2\nabc\t4\n", "line 3, column 1 (onset): 'abc' is not a number")]
    [InlineData("onset\tduration\n1,5\t2\n", "line 2, column 1 (onset): '1,5' is not a number")]
    [InlineData("onset\tduration\nNaN\t2\n", "line 2, column 1 (onset): 'NaN' is not a finite number")]
    [InlineData("onset\tduration\ninf\t2\n", "line 2, column 1 (onset): 'inf' is not a finite number")]
    [InlineData("onset\tduration\n1e999\t2\n", "'1e999' is not a finite number")]
    [InlineData("onset\tduration\nn/a\t2\n", "line 2, column 1 (onset): onset is 'n/a' but BIDS requires a number")]
    [InlineData("onset\tduration\n\t2\n", "onset is empty")]
    [InlineData("duration\tonset\n-1\t2\n", "line 2, column 1 (duration): -1 is negative")]
    [InlineData("onset\tduration\n1\tnan\n", "line 2, column 2 (duration): 'nan' is not a finite number")]
    [InlineData("onset\tduration\n1\tlong\n", "line 2, column 2 (duration): 'long' is not a number")]
    [InlineData("onset\tduration\tresponse_time\n1\t2\tfast\n", "line 2, column 3 (response_time): 'fast' is not a number")]
    [InlineData("onset\tduration\n1\t2\0\n", "NUL character")]
    [InlineData("onset\tduration\n1\t2\u001b\n", "control character U+001B")]
    public void Read_BadTable_FormatReadExceptionNamingTheProblem(string text, string expected)
    {
        var e = Assert.Throws<FormatReadException>(() => BidsEventsReader.Read(Text(text), "sub-01_task-x_events.tsv"));

        Assert.Contains(expected, e.Message);
        Assert.StartsWith("sub-01_task-x_events.tsv: ", e.Message);
    }

    [Fact]
    public void Read_LineWithoutBreaks_RejectedAtLineLimit()
    {
        var huge = new string('1', BidsEventsReader.MaxLineChars + 10);

        var e = Assert.Throws<FormatReadException>(() => BidsEventsReader.Read(Text("onset\tduration\n" + huge), "events.tsv"));

        Assert.Contains("line 2 is longer than", e.Message);
    }

    [Fact]
    public void Read_TooManyRowsForLimits_Rejected()
    {
        var text = new StringBuilder("onset\tduration\n");
        for (int i = 0; i < 200; i++)
        {
            text.Append(i).Append("\t1\n");
        }
        var limits = new ReadLimits { MaxElements = 100 };

        var e = Assert.Throws<FormatReadException>(() => BidsEventsReader.Read(Text(text.ToString()), "events.tsv", limits));

        Assert.Contains("events table", e.Message);
    }

    [Fact]
    public void Read_CorruptGzip_FormatReadException()
    {
        var gz = Gzip(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 500).Select(i => $"{i}\t1\tface\n")).Insert(0, "onset\tduration\ttrial_type\n")));
        for (int i = 20; i < gz.Length - 10; i += 7)
        {
            gz[i] ^= 0x5A;
        }

        var e = Assert.Throws<FormatReadException>(() => BidsEventsReader.Read(new MemoryStream(gz), "events.tsv.gz"));

        Assert.StartsWith("events.tsv.gz: corrupt compressed data near line ", e.Message);
    }

    [Fact]
    public void Read_ImageFile_RejectedAsNotText()
    {
        var e = Assert.Throws<FormatReadException>(() => BidsEventsReader.Read(SharedData.Path("kay2008-stimuli/stimuli/0.jpg")));

        Assert.Contains("0.jpg: line 1 contains a NUL character: this is not a text table", e.Message);
    }

    [Fact]
    public void Read_TruncatedGzipEndingOnALineBreak_ReportedAsTruncated()
    {
        var text = "onset\tduration\ttrial_type\n" + string.Concat(Enumerable.Range(0, 2000).Select(i => $"{i}.5\t1\tface\n"));
        var gz = Gzip(Encoding.UTF8.GetBytes(text));
        var cut = gz[..(gz.Length / 2)];

        var e = Assert.Throws<FormatReadException>(() => BidsEventsReader.Read(new MemoryStream(cut), "events.tsv.gz"));

        Assert.True(e.Message.Contains("compressed data ends early", StringComparison.Ordinal) || e.Message.Contains("fields", StringComparison.Ordinal) || e.Message.Contains("not a", StringComparison.Ordinal), e.Message);
    }

    [Fact]
    public void Read_GzipWithoutTrailer_ReportedAsTruncated()
    {
        // All rows decompress, so only the gzip length check can tell that the download was cut short.
        var text = "onset\tduration\ttrial_type\n" + string.Concat(Enumerable.Range(0, 2000).Select(i => $"{i}.5\t1\tface\n"));
        var gz = Gzip(Encoding.UTF8.GetBytes(text));

        var e = Assert.Throws<FormatReadException>(() => BidsEventsReader.Read(new MemoryStream(gz[..^8]), "events.tsv.gz"));

        Assert.Contains("compressed data ends early", e.Message);
    }

    [Fact]
    public void Read_SeededCorruptionsOfRealFiles_OnlyFormatReadException()
    {
        var files = Directory.GetFiles(SharedData.Path("haxby2001/sub001/BOLD"), "bold_events.tsv", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray();
        var limits = new ReadLimits { MaxArrayBytes = 1 << 20, MaxElements = 10_000 };
        var rng = new Random(20240601);
        int failures = 0;
        int successes = 0;
        for (int i = 0; i < 400; i++)
        {
            var original = files[i % files.Length];
            var bytes = TabularCorruption.Mutate(original, rng, i);
            try
            {
                var table = BidsEventsReader.Read(new MemoryStream(bytes), "bold_events.tsv", limits);
                Assert.True(table.Events.Count * table.Columns.Count <= limits.MaxElements);
                Assert.All(table.Events, e => Assert.True(double.IsFinite(e.Onset) && (e.Duration is null || e.Duration >= 0)));
                successes++;
            }
            catch (FormatReadException e)
            {
                Assert.StartsWith("bold_events.tsv: ", e.Message);
                failures++;
            }
        }
        Assert.True(failures > 100, $"only {failures} of 400 corruptions were rejected");
        Assert.True(successes > 0);
    }
}
