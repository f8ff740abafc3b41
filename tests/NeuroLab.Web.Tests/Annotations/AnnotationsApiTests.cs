using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace NeuroLab.Web.Tests.Annotations;

/// <summary>Comments over the REST API and live over SignalR, as a script or a teammate's browser sees them: roles, targets, mentions, outsiders.</summary>
public sealed class AnnotationsApiTests : IDisposable
{
    private readonly NeuroLabAppFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    private sealed record Lab(HttpClient Alice, HttpClient Bob, HttpClient Dave, HttpClient Carol, Guid Workspace, string DatasetId, string RunId, string BobToken);

    /// <summary>Alice owns a workspace with Bob (Viewer) and Dave (Editor), a Haxby ridge run on single voxels; Carol is an outsider.</summary>
    private async Task<Lab> LabAsync()
    {
        var alice = await _factory.RegisterAndSignInAsync("alice@lab.org");
        var bob = await _factory.RegisterAndSignInAsync("bob@lab.org");
        var dave = await _factory.RegisterAndSignInAsync("dave@lab.org");
        var carol = await _factory.RegisterAndSignInAsync("carol@lab.org");
        var ws = (await (await alice.PostAsJsonAsync("/api/v1/workspaces", new { name = "Discussion" })).JsonAsync()).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.Created, (await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/members", new { email = "bob@lab.org", role = "viewer" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/members", new { email = "dave@lab.org", role = "editor" })).StatusCode);
        var haxby = await (await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/datasets", new { sample = "haxby2001-sub1" })).JsonAsync();
        var datasetId = haxby.GetProperty("dataset").GetProperty("id").GetString()!;
        var hoc = haxby.GetProperty("responseSets").EnumerateArray().Single(r => r.GetProperty("name").GetString()!.Contains("hoc", StringComparison.Ordinal)).GetProperty("id").GetString();
        var run = await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/runs", new { kind = "encoding-ridge", datasetId, parameters = new { responseSetId = hoc, features = "labels", samples = "trials", permutations = 0 } });
        Assert.Equal(HttpStatusCode.Created, run.StatusCode);
        var runId = (await run.JsonAsync()).GetProperty("id").GetString()!;
        await ApiClient.WaitForArtifactsAsync(alice, runId);
        return new Lab(alice, bob, dave, carol, ws, datasetId, runId, bob.DefaultRequestHeaders.Authorization!.Parameter!);
    }

    private static async Task<JsonElement> CreatedAsync(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.JsonAsync();
    }

    private static async Task<string> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return text;
    }

    [Fact]
    public async Task Thread_ViewerComments_MentionReachesInbox_AuthorEdits_OwnerDeletes()
    {
        var lab = await LabAsync();
        var (alice, bob, dave, ws, runId) = (lab.Alice, lab.Bob, lab.Dave, lab.Workspace, lab.RunId);

        // Bob, a Viewer, pins a comment on voxel 3; the server adds the voxel's world position in the run's space.
        var thread = await CreatedAsync(await bob.PostAsJsonAsync($"/api/v1/workspaces/{ws}/annotations", new
        {
            target = new { kind = "unit", runId, unit = 3 },
            body = "@alice this voxel looks **face-selective**; see [the paper](https://example.org/ffa) <script>alert(1)</script>",
        }));
        var id = thread.GetProperty("id").GetGuid();
        Assert.Equal($"unit:{Guid.Parse(runId):N}:3", thread.GetProperty("targetKey").GetString());
        var target = thread.GetProperty("target");
        Assert.Equal("subject", target.GetProperty("space").GetString());
        Assert.Equal(3, target.GetProperty("mm").GetArrayLength());
        var html = thread.GetProperty("bodyHtml").GetString()!;
        Assert.Contains("<strong>face-selective</strong>", html, StringComparison.Ordinal);
        Assert.Contains("href=\"https://example.org/ffa\"", html, StringComparison.Ordinal);
        Assert.Contains("rel=\"nofollow noopener noreferrer\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("alice", thread.GetProperty("mentions").EnumerateArray().Single().GetProperty("name").GetString());

        // Alice's inbox has one unread mention pointing at the thread; reading it clears the count.
        var inbox = await (await alice.GetAsync($"/api/v1/inbox?workspaceId={ws}")).JsonAsync();
        Assert.Equal(1, inbox.GetProperty("unread").GetInt32());
        Assert.Equal(id, inbox.GetProperty("items")[0].GetProperty("threadId").GetGuid());
        Assert.Equal("bob", inbox.GetProperty("items")[0].GetProperty("author").GetString());
        Assert.Equal(0, (await (await bob.GetAsync("/api/v1/inbox")).JsonAsync()).GetProperty("unread").GetInt32());
        Assert.Equal(1, (await (await alice.PostAsJsonAsync("/api/v1/inbox/read", new { workspaceId = ws })).JsonAsync()).GetProperty("marked").GetInt32());
        Assert.Equal(0, (await (await alice.GetAsync("/api/v1/inbox?unread=true")).JsonAsync()).GetProperty("unread").GetInt32());

        // Alice replies (mentioning Dave by the part before @); the thread and the counts show both comments.
        var reply = await CreatedAsync(await alice.PostAsJsonAsync($"/api/v1/annotations/{id}/replies", new { body = "Agreed, @dave can you check run 12?" }));
        Assert.Equal(id, reply.GetProperty("parentId").GetGuid());
        Assert.Equal(1, (await (await dave.GetAsync("/api/v1/inbox")).JsonAsync()).GetProperty("unread").GetInt32());
        var full = await (await dave.GetAsync($"/api/v1/annotations/{id}")).JsonAsync();
        Assert.Equal(1, full.GetProperty("replies").GetArrayLength());
        var counts = await (await bob.GetAsync($"/api/v1/workspaces/{ws}/annotations/counts?runId={runId}")).JsonAsync();
        var count = counts.EnumerateArray().Single();
        Assert.Equal((1, 1, 2), (count.GetProperty("threads").GetInt32(), count.GetProperty("openThreads").GetInt32(), count.GetProperty("comments").GetInt32()));

        // Only the author edits; the old body is kept.
        await ProblemAsync(await alice.PatchAsJsonAsync($"/api/v1/annotations/{id}", new { body = "hijacked" }), HttpStatusCode.Forbidden);
        var edited = await (await bob.PatchAsJsonAsync($"/api/v1/annotations/{id}", new { body = "Face-selective, check FFA localiser." })).JsonAsync();
        Assert.NotEqual(JsonValueKind.Null, edited.GetProperty("editedAtUtc").ValueKind);
        Assert.Equal(1, edited.GetProperty("revisions").GetInt32());
        var history = await (await dave.GetAsync($"/api/v1/annotations/{id}/history")).JsonAsync();
        Assert.StartsWith("@alice this voxel", history[0].GetProperty("body").GetString(), StringComparison.Ordinal);

        // Anyone may resolve and reopen; listings filter on it.
        var resolved = await (await bob.PostAsJsonAsync($"/api/v1/annotations/{id}/resolve", new { })).JsonAsync();
        Assert.True(resolved.GetProperty("resolved").GetBoolean());
        Assert.Equal("bob", resolved.GetProperty("resolvedBy").GetString());
        Assert.Equal(0, (await (await alice.GetAsync($"/api/v1/workspaces/{ws}/annotations?resolved=false")).JsonAsync()).GetArrayLength());
        Assert.Equal(1, (await (await alice.GetAsync($"/api/v1/workspaces/{ws}/annotations?kind=unit&runId={runId}&unit=3")).JsonAsync()).GetArrayLength());
        Assert.False((await (await dave.PostAsync($"/api/v1/annotations/{id}/reopen", null)).JsonAsync()).GetProperty("resolved").GetBoolean());

        // An Editor cannot delete someone else's thread; an Owner can, replies included.
        await ProblemAsync(await dave.DeleteAsync($"/api/v1/annotations/{id}"), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"/api/v1/annotations/{id}")).StatusCode);
        await ProblemAsync(await bob.GetAsync($"/api/v1/annotations/{id}"), HttpStatusCode.NotFound);
        await ProblemAsync(await bob.GetAsync($"/api/v1/annotations/{reply.GetProperty("id").GetGuid()}"), HttpStatusCode.NotFound);
        Assert.Equal(0, (await (await dave.GetAsync("/api/v1/inbox")).JsonAsync()).GetProperty("items").GetArrayLength());

        // The activity feed tells the story.
        var activity = (await (await alice.GetAsync($"/api/v1/workspaces/{ws}/activity")).JsonAsync()).EnumerateArray().Select(a => a.GetProperty("action").GetString()).ToList();
        foreach (var action in new[] { "annotation.created", "annotation.replied", "annotation.edited", "annotation.resolved", "annotation.reopened" })
        {
            Assert.Contains(action, activity);
        }
        // A deletion is for the Owners' audit log.
        var audit = (await (await alice.GetAsync($"/api/v1/workspaces/{ws}/audit")).JsonAsync()).EnumerateArray().Select(a => a.GetProperty("action").GetString()).ToList();
        Assert.Contains("annotation.deleted", audit);
    }

    [Fact]
    public async Task Targets_AreNormalisedAndChecked_BadOnesAre400NamingTheProblem()
    {
        var lab = await LabAsync();
        var (alice, ws, runId) = (lab.Alice, lab.Workspace, lab.RunId);
        var url = $"/api/v1/workspaces/{ws}/annotations";

        // A sphere in MNI space, tied to no run: rounded to 0.1 mm, listed with the space filter.
        var point = await CreatedAsync(await alice.PostAsJsonAsync(url, new { target = new { kind = "point", space = "MNI152", x = -42.04, y = -58, z = -14, radiusMm = 6 }, body = "FFA?" }));
        Assert.Equal("point:mni152:-42.0:-58.0:-14.0:6.0", point.GetProperty("targetKey").GetString());
        Assert.Single((await (await alice.GetAsync($"{url}?space=mni152")).JsonAsync()).EnumerateArray());
        var run = await CreatedAsync(await alice.PostAsJsonAsync(url, new { target = new { kind = "run", runId }, body = "Labels only, as a baseline." }));
        Assert.Equal(runId, run.GetProperty("target").GetProperty("runId").GetString());
        Assert.Equal(runId, run.GetProperty("runId").GetString());
        var stimulus = await CreatedAsync(await alice.PostAsJsonAsync(url, new { target = new { kind = "stimulus", datasetId = lab.DatasetId, index = 0 }, body = "first condition" }));
        Assert.False(string.IsNullOrEmpty(stimulus.GetProperty("target").GetProperty("name").GetString()));
        Assert.Equal(3, (await (await alice.GetAsync(url)).JsonAsync()).GetArrayLength());

        var other = (await (await lab.Carol.PostAsJsonAsync("/api/v1/workspaces", new { name = "Elsewhere" })).JsonAsync()).GetProperty("id").GetGuid();
        (object Target, string Body, string Says)[] bad =
        [
            (new { kind = "voxelz", runId }, "x", "Unknown target kind 'voxelz'; one of run, unit, caption, point"),
            (new { kind = "unit", runId, unit = 100000 }, "x", "units (0-"),
            (new { kind = "unit", runId, unit = -1 }, "x", "target.unit is required"),
            (new { kind = "run", runId = Guid.NewGuid() }, "x", "is not in this workspace"),
            (new { kind = "point", x = 1, y = 2 }, "x", "A point needs z"),
            (new { kind = "point", space = "talairach", x = 1, y = 2, z = 3 }, "x", "Unknown space 'talairach'"),
            (new { kind = "point", x = 1, y = 2, z = 3, radiusMm = 1000 }, "x", "radiusMm must be between 0"),
            (new { kind = "reconstruction", runId, index = 0 }, "x", "has no reconstructions"),
            (new { kind = "rdmCell", runId, row = 0, col = 1 }, "x", "RDM cells belong to RSA runs"),
            (new { kind = "caption", runId, unit = 0 }, "x", "caption targets name a voxel-captions run"),
            (new { kind = "stimulus", datasetId = lab.DatasetId, index = 99999 }, "x", "has no stimulus 99999"),
            (new { kind = "run", runId }, "   ", "A comment needs some text"),
            (new { kind = "run", runId }, new string('x', 10_001), "at most 10000"),
        ];
        foreach (var (target, body, says) in bad)
        {
            Assert.Contains(says, await ProblemAsync(await alice.PostAsJsonAsync(url, new { target, body }), HttpStatusCode.BadRequest), StringComparison.Ordinal);
        }
        // The run's report carries its discussion (rendered Markdown, the target in words).
        var report = await (await alice.GetAsync($"/api/v1/runs/{runId}/report.html")).Content.ReadAsStringAsync();
        Assert.Contains("Labels only, as a baseline.", report, StringComparison.Ordinal);
        Assert.DoesNotContain("No comments on this run.", report, StringComparison.Ordinal);
        // The bad requests saved nothing.
        Assert.Equal(3, (await (await alice.GetAsync(url)).JsonAsync()).GetArrayLength());
        Assert.Equal(0, (await (await lab.Carol.GetAsync($"/api/v1/workspaces/{other}/annotations")).JsonAsync()).GetArrayLength());
    }

    [Fact]
    public async Task Outsider_Gets404Everywhere_AndCannotJoinTheWorkspaceGroup_MembersReceiveCommentsLive()
    {
        var lab = await LabAsync();
        var (alice, carol, ws, runId) = (lab.Alice, lab.Carol, lab.Workspace, lab.RunId);
        var thread = await CreatedAsync(await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/annotations", new { target = new { kind = "run", runId }, body = "Baseline run." }));
        var id = thread.GetProperty("id").GetGuid();

        await ProblemAsync(await carol.GetAsync($"/api/v1/workspaces/{ws}/annotations"), HttpStatusCode.NotFound);
        await ProblemAsync(await carol.GetAsync($"/api/v1/workspaces/{ws}/annotations/counts"), HttpStatusCode.NotFound);
        await ProblemAsync(await carol.PostAsJsonAsync($"/api/v1/workspaces/{ws}/annotations", new { target = new { kind = "run", runId }, body = "mine now" }), HttpStatusCode.NotFound);
        await ProblemAsync(await carol.GetAsync($"/api/v1/annotations/{id}"), HttpStatusCode.NotFound);
        await ProblemAsync(await carol.GetAsync($"/api/v1/annotations/{id}/history"), HttpStatusCode.NotFound);
        await ProblemAsync(await carol.PatchAsJsonAsync($"/api/v1/annotations/{id}", new { body = "x" }), HttpStatusCode.NotFound);
        await ProblemAsync(await carol.PostAsJsonAsync($"/api/v1/annotations/{id}/replies", new { body = "x" }), HttpStatusCode.NotFound);
        await ProblemAsync(await carol.PostAsJsonAsync($"/api/v1/annotations/{id}/resolve", new { }), HttpStatusCode.NotFound);
        await ProblemAsync(await carol.DeleteAsync($"/api/v1/annotations/{id}"), HttpStatusCode.NotFound);

        var carolToken = carol.DefaultRequestHeaders.Authorization!.Parameter!;
        await using var outsider = Hub(carolToken);
        await outsider.StartAsync();
        var refused = await Assert.ThrowsAsync<HubException>(() => outsider.InvokeAsync("JoinWorkspace", ws));
        Assert.Contains("not found", refused.Message, StringComparison.OrdinalIgnoreCase);

        // Bob, watching the workspace, receives Alice's reply and the resolution as they happen.
        await using var bob = Hub(lab.BobToken);
        var events = System.Threading.Channels.Channel.CreateUnbounded<JsonElement>();
        bob.On<JsonElement>("workspaceEvent", e => events.Writer.TryWrite(e));
        await bob.StartAsync();
        await bob.InvokeAsync("JoinWorkspace", ws);
        await CreatedAsync(await alice.PostAsJsonAsync($"/api/v1/annotations/{id}/replies", new { body = "And a reply." }));
        await alice.PostAsJsonAsync($"/api/v1/annotations/{id}/resolve", new { });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var types = new List<string>();
        while (!types.Contains("annotation.resolved"))
        {
            var e = await events.Reader.ReadAsync(timeout.Token);
            if (e.GetProperty("type").GetString()!.StartsWith("annotation.", StringComparison.Ordinal))
            {
                types.Add(e.GetProperty("type").GetString()!);
                Assert.Equal(id, e.GetProperty("data").GetProperty("id").GetGuid());
                Assert.Equal(runId, e.GetProperty("runId").GetString());
            }
        }
        Assert.Equal(["annotation.created", "annotation.resolved"], types);
    }

    [Fact]
    public async Task RemovedMember_IsTakenOutOfTheWorkspaceGroup_ReceivesNoLaterComments()
    {
        var lab = await LabAsync();
        var (alice, ws, runId) = (lab.Alice, lab.Workspace, lab.RunId);
        var bobId = (await (await lab.Bob.GetAsync("/api/v1/account/me")).JsonAsync()).GetProperty("id").GetString();
        await using var bob = Hub(lab.BobToken);
        await using var dave = Hub(lab.Dave.DefaultRequestHeaders.Authorization!.Parameter!);
        var bobEvents = System.Threading.Channels.Channel.CreateUnbounded<JsonElement>();
        var daveEvents = System.Threading.Channels.Channel.CreateUnbounded<JsonElement>();
        bob.On<JsonElement>("workspaceEvent", e => bobEvents.Writer.TryWrite(e));
        dave.On<JsonElement>("workspaceEvent", e => daveEvents.Writer.TryWrite(e));
        await bob.StartAsync();
        await dave.StartAsync();
        await bob.InvokeAsync("JoinWorkspace", ws);
        await bob.InvokeAsync("JoinRun", Guid.Parse(runId));
        await dave.InvokeAsync("JoinWorkspace", ws);

        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"/api/v1/workspaces/{ws}/members/{bobId}")).StatusCode);
        await CreatedAsync(await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/annotations", new { target = new { kind = "run", runId }, body = "After Bob left the team." }));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while ((await daveEvents.Reader.ReadAsync(timeout.Token)).GetProperty("type").GetString() != "annotation.created")
        {
        }
        // One round trip on Bob's connection: anything sent to him before Dave's copy would have arrived before its answer.
        await Assert.ThrowsAsync<HubException>(() => bob.InvokeAsync("JoinWorkspace", ws));
        var bobSaw = new List<string>();
        while (bobEvents.Reader.TryRead(out var e))
        {
            bobSaw.Add(e.GetProperty("type").GetString()!);
        }
        Assert.DoesNotContain("annotation.created", bobSaw);
    }

    private HubConnection Hub(string token) => _factory.RunsHub(token);
}
