using System.Text.RegularExpressions;

namespace NeuroLab.Web.Tests.Components;

/// <summary>The About page lists the built-in models with their licences and whether this server has their files.</summary>
public sealed class AboutModelsTests
{
    [Fact]
    public async Task About_ListsBuiltInModels_WithLicencesAndTheirFilesFound()
    {
        using var factory = new NeuroLabAppFactory();
        var client = factory.CreateClient();
        var about = await client.GetStringAsync("/about");
        var rows = Regex.Matches(about, @"<tr data-testid=""about-model"">(.*?)</tr>", RegexOptions.Singleline).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(2, rows.Count);
        var resnet = Assert.Single(rows, r => r.Contains("ResNet-18 (ImageNet)", StringComparison.Ordinal));
        Assert.Contains("Microsoft.ML.DnnImageFeaturizer.ResNet18 0.24.0", resnet, StringComparison.Ordinal);
        Assert.Contains("MIT", resnet, StringComparison.Ordinal);
        Assert.Contains("ImageNet", resnet, StringComparison.Ordinal);
        // The graphs are found where the build recorded them (the NuGet cache), not copied into the web app's bin folder.
        Assert.DoesNotContain("not installed", resnet, StringComparison.Ordinal);
        Assert.Matches(@"6\d(\.\d)? MB", resnet);
        Assert.False(Directory.Exists(Path.Combine(AppContext.BaseDirectory, "DnnImageModels")));
        var miniLm = Assert.Single(rows, r => r.Contains("all-MiniLM-L6-v2", StringComparison.Ordinal));
        Assert.Contains("Apache-2.0", miniLm, StringComparison.Ordinal);
        Assert.DoesNotContain("not installed", miniLm, StringComparison.Ordinal);
    }
}
