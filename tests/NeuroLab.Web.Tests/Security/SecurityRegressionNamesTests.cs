using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using NeuroLab.Compute.Datasets;
using NeuroLab.Data;
using NeuroLab.Formats;
using NeuroLab.Formats.Nifti;

namespace NeuroLab.Web.Tests.Security;

/// <summary>
/// User-supplied names: an over-long multipart file name answered 500, and right-to-left overrides and other
/// invisible format characters were kept (a name could display as another). Found by the outside probe.
/// </summary>
public sealed class SecurityRegressionNamesTests : IDisposable
{
    private readonly NeuroLabAppFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    /// <summary>Each invisible character the probe named (bidi embeddings/overrides/isolates, marks, zero-width, BOM).</summary>
    public static TheoryData<string> InvisibleCharacters =>
    [
        "\u202A", "\u202B", "\u202C", "\u202D", "\u202E", "\u2066", "\u2067", "\u2068", "\u2069",
        "\u200E", "\u200F", "\u061C", "\u200B", "\u200C", "\u200D", "\uFEFF", "\u0007", "\u2028", "\U000E0001",
    ];

    [Theory]
    [MemberData(nameof(InvisibleCharacters))]
    public void CleanFileName_InvisibleCharacter_IsRemoved(string invisible)
    {
        Assert.Equal("reportgpj.exe", UploadService.CleanFileName($"report{invisible}gpj.exe"));
        Assert.Equal("a/b.npy", UploadService.CleanFileName($"a/{invisible}b.npy"));
    }

    [Fact]
    public void CleanFileName_LongOrTricky_KeepsTheEndWithoutTraversalOrBrokenSurrogates()
    {
        var longName = UploadService.CleanFileName(new string('a', 200_000) + ".nii.gz");
        Assert.Equal(UploadService.MaxFileNameLength, longName.Length);
        Assert.EndsWith(".nii.gz", longName, StringComparison.Ordinal);
        // A cut inside a surrogate pair drops the orphaned half instead of storing ill-formed text.
        var emoji = UploadService.CleanFileName(string.Concat(Enumerable.Repeat("\U0001F9E0", 200)));
        Assert.False(char.IsLowSurrogate(emoji[0]));
        Assert.True(emoji.Length <= UploadService.MaxFileNameLength);
        // Removing a control character cannot create a ".." part; a cut cannot leave one either.
        Assert.Equal("x.npy", UploadService.CleanFileName("..\u0001/x.npy"));
        Assert.Equal("x.npy", UploadService.CleanFileName(" .. /x.npy"));
        Assert.Equal(new string('b', 297), UploadService.CleanFileName("a../" + new string('b', 297)));
        Assert.Equal("unnamed", UploadService.CleanFileName("\u202E\u200B"));
    }

    [Fact]
    public void UserText_LoneSurrogate_BecomesReplacementCharacter()
    {
        Assert.Equal("a\uFFFDb", UserText.RemoveFormatCharacters("a\uD800b"));
    }

    [Fact]
    public async Task Upload_FileNameOf200000Characters_Is400WithReason_Not500()
    {
        var (alice, ws) = await OwnerWithWorkspaceAsync();
        var response = await alice.PostAsync($"/api/v1/workspaces/{ws}/uploads", Files((new string('n', 200_000) + ".npy", [1, 2, 3])));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.JsonAsync();
        Assert.Equal("Malformed upload", problem.GetProperty("title").GetString());
        Assert.Contains("file name included", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        // The server is fine afterwards, and nothing was staged.
        Assert.Equal(0, (await (await alice.GetAsync($"/api/v1/workspaces/{ws}/uploads")).JsonAsync()).GetArrayLength());
    }

    [Fact]
    public async Task Upload_LongFileNameUnderHeaderLimit_IsStagedShortened()
    {
        var (alice, ws) = await OwnerWithWorkspaceAsync();
        var response = await alice.PostAsync($"/api/v1/workspaces/{ws}/uploads", Files((new string('n', 5000) + ".txt", [1, 2, 3])));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var name = (await response.JsonAsync())[0].GetProperty("fileName").GetString()!;
        Assert.Equal(UploadService.MaxFileNameLength, name.Length);
        Assert.EndsWith(".txt", name, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_RightToLeftOverrideInName_IsStrippedFromStoredName()
    {
        var (alice, ws) = await OwnerWithWorkspaceAsync();
        // HttpClient sends the name as filename*=utf-8''... so the characters arrive intact.
        var response = await alice.PostAsync($"/api/v1/workspaces/{ws}/uploads", Files(("scan\u202Eyp\u200B.gnp.npy", [1, 2, 3])));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("scanyp.gnp.npy", (await response.JsonAsync())[0].GetProperty("fileName").GetString());
        var listed = await (await alice.GetAsync($"/api/v1/workspaces/{ws}/uploads")).JsonAsync();
        Assert.Equal("scanyp.gnp.npy", listed[0].GetProperty("fileName").GetString());
    }

    [Fact]
    public async Task WorkspaceDatasetExperimentNames_BidiOverrides_AreStripped()
    {
        var (alice, _) = await OwnerWithWorkspaceAsync();
        var created = await alice.PostAsJsonAsync("/api/v1/workspaces", new { name = "Lab\u202E\u2066 tset\u2069\u200F" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var ws = await created.JsonAsync();
        Assert.Equal("Lab tset", ws.GetProperty("name").GetString());
        var id = ws.GetProperty("id").GetGuid();
        var renamed = await (await alice.PatchAsJsonAsync($"/api/v1/workspaces/{id}", new { name = "\uFEFFV1\u202D" })).JsonAsync();
        Assert.Equal("V1", renamed.GetProperty("name").GetString());
        // A name made only of invisible characters is empty, and refused as such.
        Assert.Equal(HttpStatusCode.BadRequest, (await alice.PostAsJsonAsync("/api/v1/workspaces", new { name = "\u202E\u200B" })).StatusCode);

        var dataset = await (await alice.PostAsJsonAsync($"/api/v1/workspaces/{id}/datasets", new { sample = "allen-v1" })).JsonAsync();
        var datasetId = dataset.GetProperty("dataset").GetProperty("id").GetString();
        var experiment = await alice.PostAsJsonAsync($"/api/v1/workspaces/{id}/experiments", new { datasetId, name = "pixels\u202E fdp.exe" });
        Assert.Equal(HttpStatusCode.Created, experiment.StatusCode);
        Assert.Equal("pixels fdp.exe", (await experiment.JsonAsync()).GetProperty("name").GetString());
        Assert.Equal("Scenes", NeuroLab.Data.Datasets.DatasetService.ValidateName("\u202AScenes\u202C"));
    }

    [Fact]
    public async Task Upload_NiftiWithNonFiniteAffineAndValues_IsInspectedWithout500()
    {
        var (alice, ws) = await OwnerWithWorkspaceAsync();
        var affine = new double[,] { { double.NaN, 0, 0, 0 }, { 0, double.PositiveInfinity, 0, 0 }, { 0, 0, 2, 0 }, { 0, 0, 0, 1 } };
        var values = new float[2 * 2 * 2];
        Array.Fill(values, float.NaN);
        values[0] = float.PositiveInfinity;
        using var memory = new MemoryStream();
        NiftiWriter.Write(memory, new NumericArray(NumericType.Float32, [2, 2, 2], values, ArrayOrder.Fortran), affine);
        var response = await alice.PostAsync($"/api/v1/workspaces/{ws}/uploads", Files(("nan.nii", memory.ToArray())));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync($"/api/v1/workspaces/{ws}/uploads")).StatusCode);
        var json = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(":NaN", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"NaN\"", json, StringComparison.Ordinal);
        Assert.Contains("NaN or infinite", json, StringComparison.Ordinal);
    }

    private async Task<(HttpClient Client, Guid Workspace)> OwnerWithWorkspaceAsync()
    {
        var alice = await _factory.RegisterAndSignInAsync("alice@lab.org");
        var id = (await (await alice.PostAsJsonAsync("/api/v1/workspaces", new { name = "Names" })).JsonAsync()).GetProperty("id").GetGuid();
        return (alice, id);
    }

    private static MultipartFormDataContent Files(params (string Name, byte[] Bytes)[] files) => Api.UploadsApiTests.Files(files);
}
