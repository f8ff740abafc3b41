using System.Text;
using NeuroLab.Formats.Tabular;

namespace NeuroLab.Formats.Tests.Tabular;

public sealed class TextTableReaderTests
{
    private static TextTable Read(string text) => TextTableReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(text)), "table.csv");

    [Fact]
    public void Csv_QuotedFieldsWithCommasAndQuotes()
    {
        var t = Read("name,caption\r\na.png,\"a dog, running\"\r\nb.png,\"the \"\"big\"\" one\"\r\n");
        Assert.Equal(["name", "caption"], t.Columns);
        Assert.Equal("a dog, running", t.Rows[0][1]);
        Assert.Equal("the \"big\" one", t.Rows[1][1]);
        Assert.Equal(1, t.ColumnIndex("CAPTION", "text"));
    }

    [Fact]
    public void Tsv_NaIsMissing_CommasAreText()
    {
        var t = Read("id\tlabel\n1\tface, frontal\n2\tn/a\n");
        Assert.Equal("face, frontal", t.Rows[0][1]);
        Assert.Null(t.Rows[1][1]);
    }

    [Theory]
    [InlineData("a,b\n1,2,3\n", "line 2 has 3 fields")]
    [InlineData("a,b\n\"open,2\n", "unclosed quote")]
    [InlineData("", "empty")]
    public void BadTables_NameTheProblem(string text, string expected)
    {
        var e = Assert.Throws<FormatReadException>(() => Read(text));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.StartsWith("table.csv: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BinaryInput_IsRefused()
    {
        Assert.Throws<FormatReadException>(() => TextTableReader.Read(new MemoryStream([0x89, 0x50, 0x4E, 0x47, 0, 1, 2, 3, 10, 0, 0]), "x.csv"));
    }
}
