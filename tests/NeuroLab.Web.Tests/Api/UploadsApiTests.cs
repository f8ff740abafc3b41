using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace NeuroLab.Web.Tests.Api;

public sealed class UploadsApiTests : IDisposable
{
    private readonly NeuroLabAppFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    internal static MultipartFormDataContent Files(params (string Name, byte[] Bytes)[] files)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, bytes) in files)
        {
            var part = new ByteArrayContent(bytes);
            part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(part, "files", name);
        }
        return form;
    }

    private async Task<(HttpClient Client, Guid Workspace)> OwnerWithWorkspaceAsync()
    {
        var alice = await _factory.RegisterAndSignInAsync("alice@lab.org");
        var id = (await (await alice.PostAsJsonAsync("/api/v1/workspaces", new { name = "Uploads" })).JsonAsync()).GetProperty("id").GetGuid();
        return (alice, id);
    }

    [Fact]
    public async Task Upload_Nifti_IsInspected_CorruptOneNamed()
    {
        var (alice, ws) = await OwnerWithWorkspaceAsync();
        var good = await File.ReadAllBytesAsync(SharedData.Path("haxby2001/sub001/BOLD/task001_run001/bold_25mm.nii.gz"));
        var corrupt = good[..(good.Length / 3)];
        var response = await alice.PostAsync($"/api/v1/workspaces/{ws}/uploads", Files(("bold_25mm.nii.gz", good), ("broken.nii.gz", corrupt)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var staged = (await response.JsonAsync()).EnumerateArray().ToList();
        Assert.Equal(2, staged.Count);
        Assert.Equal("nifti", staged[0].GetProperty("format").GetString());
        Assert.Equal([6L, 10, 10, 121], staged[0].GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal("int16", staged[0].GetProperty("dtype").GetString());
        Assert.Equal(2.5, staged[0].GetProperty("summary").GetProperty("repetitionTimeSeconds").GetDouble());
        Assert.Equal("Run", staged[0].GetProperty("suggestedRole").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, staged[0].GetProperty("error").ValueKind);
        Assert.StartsWith("broken.nii.gz: ", staged[1].GetProperty("error").GetString(), StringComparison.Ordinal);

        var listed = await (await alice.GetAsync($"/api/v1/workspaces/{ws}/uploads")).JsonAsync();
        Assert.Equal(2, listed.GetArrayLength());
    }

    [Fact]
    public async Task Upload_UnknownFormat_AndEmptyFile_AreNamed()
    {
        var (alice, ws) = await OwnerWithWorkspaceAsync();
        var response = await alice.PostAsync($"/api/v1/workspaces/{ws}/uploads", Files(("notes.docx", [0x50, 0x4B, 0x07, 0x08, 0, 0, 0, 1, 2, 3]), ("empty.nii", [])));
        var staged = (await response.JsonAsync()).EnumerateArray().ToList();
        Assert.Contains("unknown file format", staged[0].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Contains("empty", staged[1].GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_ViewerIs403_OutsiderIs404_NothingStored()
    {
        var (alice, ws) = await OwnerWithWorkspaceAsync();
        var bob = await _factory.RegisterAndSignInAsync("bob@lab.org");
        var carol = await _factory.RegisterAndSignInAsync("carol@lab.org");
        await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/members", new { email = "bob@lab.org", role = "viewer" });
        var bytes = await File.ReadAllBytesAsync(SharedData.Path("haxby2001/sub001/masks/25mm/vt.nii.gz"));
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.PostAsync($"/api/v1/workspaces/{ws}/uploads", Files(("vt.nii.gz", bytes)))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await carol.PostAsync($"/api/v1/workspaces/{ws}/uploads", Files(("vt.nii.gz", bytes)))).StatusCode);
        var store = Path.Combine(_factory.DataDirectory, "store");
        Assert.Empty(Directory.Exists(store) ? Directory.GetFiles(store, "*.blob", SearchOption.AllDirectories) : []);
    }

    [Fact]
    public async Task Upload_NotMultipart_Is415()
    {
        var (alice, ws) = await OwnerWithWorkspaceAsync();
        var response = await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/uploads", new { file = "x" });
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task Upload_OverLimit_Is413_AndLeavesNoBlob()
    {
        using var factory = new NeuroLabAppFactory(useKestrel: true, settings: new Dictionary<string, string?> { ["NeuroLab:Storage:MaxUploadBytes"] = "100000" });
        var alice = await factory.RegisterAndSignInAsync("alice@lab.org");
        using var client = new HttpClient { BaseAddress = factory.ServerAddress };
        client.DefaultRequestHeaders.Authorization = alice.DefaultRequestHeaders.Authorization;
        var ws = (await (await client.PostAsJsonAsync("/api/v1/workspaces", new { name = "W" })).JsonAsync()).GetProperty("id").GetGuid();
        var response = await client.PostAsync($"/api/v1/workspaces/{ws}/uploads", Files(("big.nii", new byte[300_000])));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(Directory.GetFiles(Path.Combine(factory.DataDirectory, "store"), "*.blob", SearchOption.AllDirectories));
    }
}
