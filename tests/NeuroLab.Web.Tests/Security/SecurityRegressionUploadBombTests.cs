using System.Net;
using System.Net.Http.Json;
using NeuroLab.Web.Tests.Api;

namespace NeuroLab.Web.Tests.Security;

/// <summary>
/// Issue 9, finding 1, through the API: decompression bombs uploaded as a user would, with a small configured budget.
/// A streamed format is staged and previewed; a format decoded whole is refused with a message naming the setting;
/// a file declaring more than the decoded limit is refused naming that setting; nothing already staged is lost.
/// </summary>
public sealed class SecurityRegressionUploadBombTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("neurolab-web-bombs-");

    private readonly NeuroLabAppFactory _factory = new(settings: new Dictionary<string, string?>
    {
        ["NeuroLab:Uploads:MaxDecodedBytes"] = (1L << 30).ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["NeuroLab:Uploads:InspectionMemoryBytes"] = (32L << 20).ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["NeuroLab:Uploads:MaxConcurrentInspections"] = "1",
    });

    public void Dispose()
    {
        _factory.Dispose();
        _folder.Delete(recursive: true);
    }

    private byte[] Bomb(string format, long declared)
    {
        var path = Path.Combine(_folder.FullName, HostileFiles.All.Single(f => f.Format == format).FileName);
        HostileFiles.Write(format, path, declared);
        return File.ReadAllBytes(path);
    }

    [Fact]
    public async Task UploadBombs_StreamedOnesStageAndPreview_WholeOnesRefusedNamingTheSettings()
    {
        var alice = await _factory.RegisterAndSignInAsync("alice@lab.org");
        var ws = (await (await alice.PostAsJsonAsync("/api/v1/workspaces", new { name = "Bombs" })).JsonAsync()).GetProperty("id").GetGuid();

        var response = await alice.PostAsync($"/api/v1/workspaces/{ws}/uploads", UploadsApiTests.Files(
            ("volume.nii.gz", Bomb("nifti", 300L << 20)),
            ("huge.nii.gz", Bomb("nifti", 1200L << 20)),
            ("surface.gii", Bomb("gifti", 300L << 20)),
            ("picture.png", Bomb("png", 4000L * 4000 * 3))));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var staged = (await response.JsonAsync()).EnumerateArray().ToList();
        Assert.Equal(4, staged.Count);
        Assert.Equal("nifti", staged[0].GetProperty("format").GetString());
        Assert.Contains("NeuroLab:Uploads:MaxDecodedBytes", staged[1].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("huge.nii.gz: ", staged[1].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Contains("NeuroLab:Uploads:InspectionMemoryBytes", staged[2].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("surface.gii: ", staged[2].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("image", staged[3].GetProperty("format").GetString());

        foreach (var index in new[] { 0, 3 })
        {
            var id = staged[index].GetProperty("id").GetGuid();
            var preview = await alice.GetAsync($"/api/v1/workspaces/{ws}/uploads/{id}/preview.png");
            Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
            Assert.Equal("image/png", preview.Content.Headers.ContentType?.MediaType);
        }
        // The refused files are listed with their reasons; the good ones stay staged for a dataset.
        var listed = (await (await alice.GetAsync($"/api/v1/workspaces/{ws}/uploads")).JsonAsync()).EnumerateArray().ToList();
        Assert.Equal(4, listed.Count);
    }

    [Fact]
    public async Task UploadCorruptFiles_ErrorsNameTheUsersFile_NeverTheStoredBlob()
    {
        var alice = await _factory.RegisterAndSignInAsync("alice@lab.org");
        var ws = (await (await alice.PostAsJsonAsync("/api/v1/workspaces", new { name = "Corrupt" })).JsonAsync()).GetProperty("id").GetGuid();
        byte[] mat = [.. System.Text.Encoding.ASCII.GetBytes("MATLAB 5.0 MAT-file".PadRight(116)), .. new byte[8], 0x00, 0x01, (byte)'I', (byte)'M', 15, 0, 0, 0, 200, 0, 0, 0, 1, 2, 3];
        byte[] png = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R', 0, 0, 1, 0];

        var response = await alice.PostAsync($"/api/v1/workspaces/{ws}/uploads", UploadsApiTests.Files(("recording.mat", mat), ("stimulus.png", png)));

        var staged = (await response.JsonAsync()).EnumerateArray().ToList();
        foreach (var (item, name) in staged.Zip(new[] { "recording.mat", "stimulus.png" }))
        {
            var error = item.GetProperty("error").GetString()!;
            Assert.StartsWith(name + ": ", error, StringComparison.Ordinal);
            Assert.DoesNotMatch("[0-9a-f]{32}", error);
        }
    }
}
