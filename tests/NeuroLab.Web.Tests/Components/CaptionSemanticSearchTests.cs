using Microsoft.Extensions.DependencyInjection;
using NeuroLab.Analysis.Captions;
using NeuroLab.Compute.RunKinds.VoxelCaptions;
using NeuroLab.Web.Captions;

namespace NeuroLab.Web.Tests.Components;

/// <summary>Caption search by meaning with the built-in all-MiniLM-L6-v2, word matches first.</summary>
public sealed class CaptionSemanticSearchTests
{
    private static UnitCaption Caption(int unit, string text) => new(unit, 0.3, text, [new KeywordScore("x", 1, 0.5, 1.4, 3, 10)], [], [], 0.2, null);

    [Fact]
    public async Task SearchAsync_Faces_FindsFaceAndPerson_NotScissorsOrHouse()
    {
        using var factory = new NeuroLabAppFactory();
        using var scope = factory.Services.CreateScope();
        var captions = scope.ServiceProvider.GetRequiredService<CaptionService>();
        var run = new CaptionRun(Guid.NewGuid(), Guid.NewGuid(),
        [
            Caption(0, "Prefers house."),
            Caption(1, "Prefers person."),
            Caption(2, "Prefers scissors."),
            Caption(3, "Prefers faces and bodies."),
            Caption(4, "Prefers face."),
        ]);
        var found = (await captions.SearchAsync(run, "faces")).Select(c => c.Unit).ToList();
        // Word matches ("faces" starts "faces") first, then by meaning, closest first.
        Assert.Equal(3, found[0]);
        Assert.Contains(4, found);
        Assert.Contains(1, found);
        Assert.DoesNotContain(0, found);
        Assert.DoesNotContain(2, found);
        Assert.Equal(run.Captions.Count, (await captions.SearchAsync(run, " ")).Count);
    }
}
