using NeuroLab.Compute.RunKinds.ReconstructionGenerative;

namespace NeuroLab.Compute.Tests.Reconstruction;

/// <summary>The generator's settings the server refuses to start with, each named.</summary>
public sealed class GeneratorOptionsTests
{
    [Fact]
    public void Problems_Defaults_AreNone_NotConfiguredIsAllowed()
    {
        Assert.Empty(new GeneratorOptions().Problems());
        Assert.Empty(new GeneratorOptions { Endpoint = "https://gen.lab.org/v1/generate" }.Problems());
    }

    [Fact]
    public void Problems_RelativeOrNonHttpEndpoint_AndRangesNamed()
    {
        Assert.Contains(new GeneratorOptions { Endpoint = "file:///etc/passwd" }.Problems(), p => p.Contains("Endpoint must be an absolute http or https URL", StringComparison.Ordinal));
        Assert.Contains(new GeneratorOptions { BatchSize = 0 }.Problems(), p => p.Contains("BatchSize must be between 1 and 256", StringComparison.Ordinal));
    }

    [Fact]
    public void Problems_AReplyThatCouldExceedOneGiB_IsRefused()
    {
        // 256 images of 8 MiB each, as base64 (4/3): 2.7 GiB held while one reply is read.
        var problems = new GeneratorOptions { BatchSize = 256, MaxImageBytes = 8 * 1024 * 1024 }.Problems();

        Assert.Contains(problems, p => p.Contains("BatchSize x MaxImageBytes (256 x 8388608)", StringComparison.Ordinal) && p.Contains("1 GiB", StringComparison.Ordinal));
        Assert.Empty(new GeneratorOptions { BatchSize = 64, MaxImageBytes = 8 * 1024 * 1024 }.Problems());
    }
}
