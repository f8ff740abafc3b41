using System.Text.Json;
using NeuroLab.Web.Components.Pages.Runs;

namespace NeuroLab.Web.Tests.Components;

/// <summary>How the run page's summary table writes a scalar (the exact value stays in the cell's tooltip).</summary>
public sealed class RunSummaryValueTests
{
    [Theory]
    [InlineData("0.16666666666666666", "0.1667")]
    [InlineData("0.16417910447761194", "0.1642")]
    [InlineData("-0.0081234", "-0.008123")]
    [InlineData("1.5e-7", "1.5E-07")]
    [InlineData("12345.6789", "12345.68")]
    [InlineData("200", "200")]
    [InlineData("1990", "1990")]
    [InlineData("\"correlation-nn\"", "correlation-nn")]
    [InlineData("true", "True")]
    public void Scalars_FractionsToFourSignificantDigits_IntegersAndTextAsStored(string json, string shown)
    {
        using var document = JsonDocument.Parse(json);
        Assert.Equal(shown, RunPage.SummaryValue(document.RootElement));
    }
}
