using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using NeuroLab.Compute.Events;
using NeuroLab.Data.Audit;
using NeuroLab.Web.Captions;

namespace NeuroLab.Web.Tests.Activity;

/// <summary>The workspace feed and the Owners' audit log over the API, and their live events on the workspace bus.</summary>
public sealed class ActivityApiTests : IDisposable
{
    private readonly NeuroLabAppFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    private static async Task<Guid> CreateWorkspaceAsync(HttpClient owner, string name = "Lab") =>
        (await (await owner.PostAsJsonAsync("/api/v1/workspaces", new { name })).JsonAsync()).GetProperty("id").GetGuid();

    private static async Task<List<JsonElement>> GetListAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await response.JsonAsync()).EnumerateArray()];
    }

    /// <summary>Polls the feed until an entry matches (the queue records a run's outcome just after its status).</summary>
    private static async Task<JsonElement> WaitForFeedAsync(HttpClient client, Guid ws, Func<JsonElement, bool> match)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (true)
        {
            var found = (await GetListAsync(client, $"/api/v1/workspaces/{ws}/activity?take=200")).Where(match).ToList();
            if (found.Count > 0)
            {
                return found[0];
            }
            Assert.True(DateTime.UtcNow < deadline, "The feed entry did not appear.");
            await Task.Delay(100);
        }
    }

    /// <summary>Collects workspace events from the in-process bus until disposed.</summary>
    private sealed class BusRecorder : IDisposable
    {
        private readonly List<WorkspaceEvent> _events = [];
        private readonly IDisposable _subscription;
        private readonly SemaphoreSlim _arrived = new(0);

        public BusRecorder(IWorkspaceEventBus bus) => _subscription = bus.Subscribe(e =>
        {
            lock (_events)
            {
                _events.Add(e);
            }
            _arrived.Release();
            return Task.CompletedTask;
        });

        public IReadOnlyList<WorkspaceEvent> Events
        {
            get
            {
                lock (_events)
                {
                    return [.. _events];
                }
            }
        }

        public async Task<WorkspaceEvent> WaitForAsync(Func<WorkspaceEvent, bool> match)
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (true)
            {
                if (Events.FirstOrDefault(match) is { } e)
                {
                    return e;
                }
                var left = deadline - DateTime.UtcNow;
                Assert.True(left > TimeSpan.Zero, "The workspace event did not arrive.");
                await _arrived.WaitAsync(left);
            }
        }

        public void Dispose()
        {
            _subscription.Dispose();
            _arrived.Dispose();
        }
    }

    [Fact]
    public async Task Feed_RunFinishesAndCaptionIsReviewed_EntriesLinkRunAndCaption_ReviewIsLive()
    {
        var alice = await _factory.RegisterAndSignInAsync("alice@lab.org");
        var bob = await _factory.RegisterAndSignInAsync("bob@lab.org");
        var ws = await CreateWorkspaceAsync(alice);
        Assert.Equal(HttpStatusCode.Created, (await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/members", new { email = "bob@lab.org", role = "viewer" })).StatusCode);
        var haxby = await (await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/datasets", new { sample = "haxby2001-sub1" })).JsonAsync();
        var datasetId = haxby.GetProperty("dataset").GetProperty("id").GetGuid();
        var hoc = haxby.GetProperty("responseSets").EnumerateArray().Single(r => r.GetProperty("name").GetString()!.Contains("hoc", StringComparison.Ordinal)).GetProperty("id").GetString();
        var encoding = await SubmitAndWaitAsync(alice, ws, datasetId, "encoding-ridge", new { responseSetId = hoc, features = "labels", samples = "trials", permutations = 0 });

        // Bob (a Viewer) reads the whole story of the run in the feed, each entry linked to the run.
        var succeeded = await WaitForFeedAsync(bob, ws, e => e.GetProperty("action").GetString() == "run.succeeded");
        Assert.Equal(encoding, succeeded.GetProperty("runId").GetGuid());
        Assert.Equal("run", succeeded.GetProperty("kind").GetString());
        Assert.Equal("alice@lab.org", succeeded.GetProperty("actor").GetString());
        Assert.StartsWith("encoding-ridge on ", succeeded.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var feed = await GetListAsync(bob, $"/api/v1/workspaces/{ws}/activity");
        Assert.Equal(encoding, feed.Single(e => e.GetProperty("action").GetString() == "run.queued").GetProperty("runId").GetGuid());
        Assert.Equal(encoding, feed.Single(e => e.GetProperty("action").GetString() == "run.started").GetProperty("runId").GetGuid());
        var imported = feed.Single(e => e.GetProperty("action").GetString() == "dataset.imported");
        Assert.Equal((datasetId, "dataset"), (imported.GetProperty("datasetId").GetGuid(), imported.GetProperty("kind").GetString()));
        // Newest first.
        var times = feed.Select(e => e.GetProperty("at").GetDateTime()).ToList();
        Assert.Equal(times.OrderByDescending(t => t), times);

        var captionRun = await SubmitAndWaitAsync(alice, ws, datasetId, "voxel-captions", new { encodingRunId = encoding, minTestR = -1.0, keywords = 1 });
        using var recorder = new BusRecorder(_factory.Services.GetRequiredService<IWorkspaceEventBus>());
        Assert.Equal(HttpStatusCode.OK, (await bob.PutAsJsonAsync($"/api/v1/runs/{captionRun}/captions/2/review", new { verdict = "wrong", comment = "a house voxel" })).StatusCode);

        var reviewed = await recorder.WaitForAsync(e => e.Type == "caption.reviewed");
        Assert.Equal((ws, captionRun, $"caption:{captionRun:N}:2"), (reviewed.WorkspaceId, reviewed.RunId!.Value, reviewed.TargetKey));
        var view = Assert.IsType<CaptionReviewView>(reviewed.Data);
        Assert.Equal((2, "bob@lab.org", "a house voxel"), (view.Unit, view.Reviewer, view.Comment));
        var live = await recorder.WaitForAsync(e => e.Type == "activity" && ((ActivityItem)e.Data!).Action == ActivityKinds.CaptionReviewed);
        var liveItem = (ActivityItem)live.Data!;
        Assert.Equal((ActivityKinds.Review, captionRun, 2, "bob@lab.org"), (liveItem.Kind, liveItem.RunId!.Value, liveItem.Unit!.Value, liveItem.Actor));

        var review = (await GetListAsync(alice, $"/api/v1/workspaces/{ws}/activity")).Single(e => e.GetProperty("action").GetString() == ActivityKinds.CaptionReviewed);
        Assert.Equal((captionRun, 2, "unit 2: wrong"), (review.GetProperty("runId").GetGuid(), review.GetProperty("unit").GetInt32(), review.GetProperty("detail").GetString()));
    }

    private static async Task<Guid> SubmitAndWaitAsync(HttpClient client, Guid ws, Guid datasetId, string kind, object parameters)
    {
        var response = await client.PostAsJsonAsync($"/api/v1/workspaces/{ws}/runs", new { kind, datasetId, parameters });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = (await response.JsonAsync()).GetProperty("id").GetString()!;
        await ApiClient.WaitForArtifactsAsync(client, id);
        return Guid.Parse(id);
    }

    [Fact]
    public async Task Audit_OwnerSeesMemberChangesAndMembersTokens_EditorAndViewer403_Outsider404()
    {
        var alice = await _factory.RegisterAndSignInAsync("alice@lab.org");
        var bob = await _factory.RegisterAndSignInAsync("bob@lab.org");
        var dave = await _factory.RegisterAndSignInAsync("dave@lab.org");
        var carol = await _factory.RegisterAndSignInAsync("carol@lab.org");
        var ws = await CreateWorkspaceAsync(alice);
        Assert.Equal(HttpStatusCode.Created, (await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/members", new { email = "bob@lab.org", role = "editor" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/members", new { email = "dave@lab.org", role = "viewer" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await bob.PostAsJsonAsync("/api/v1/account/tokens", new { name = "bob's notebook" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await carol.PostAsJsonAsync("/api/v1/account/tokens", new { name = "carol's script" })).StatusCode);

        var audit = await GetListAsync(alice, $"/api/v1/workspaces/{ws}/audit");
        Assert.Contains(audit, e => e.GetProperty("action").GetString() == "member.added" && e.GetProperty("detail").GetString() == "bob@lab.org as Editor" && e.GetProperty("kind").GetString() == "member");
        var token = Assert.Single(audit, e => e.GetProperty("action").GetString() == "token.created");
        Assert.Equal(("bob@lab.org", "token"), (token.GetProperty("actor").GetString(), token.GetProperty("kind").GetString()));
        Assert.StartsWith("bob's notebook", token.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(audit, e => e.GetProperty("actor").GetString() == "carol@lab.org");

        foreach (var member in new[] { bob, dave })
        {
            var refused = await member.GetAsync($"/api/v1/workspaces/{ws}/audit");
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.Contains("Owner", (await refused.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await carol.GetAsync($"/api/v1/workspaces/{ws}/audit")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await carol.GetAsync($"/api/v1/workspaces/{ws}/activity")).StatusCode);
        // Tokens are audit-only: the Viewer's feed does not show them.
        Assert.DoesNotContain(await GetListAsync(dave, $"/api/v1/workspaces/{ws}/activity"), e => e.GetProperty("kind").GetString() == "token");
    }

    [Fact]
    public async Task Feed_PagedWithBeforeAndTake_PagesFollowWithoutOverlap()
    {
        var alice = await _factory.RegisterAndSignInAsync("alice@lab.org");
        var ws = await CreateWorkspaceAsync(alice, "Name 0");
        for (int i = 1; i <= 4; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await alice.PatchAsJsonAsync($"/api/v1/workspaces/{ws}", new { name = $"Name {i}" })).StatusCode);
        }
        var all = await GetListAsync(alice, $"/api/v1/workspaces/{ws}/activity");
        Assert.Equal(5, all.Count);

        var pages = new List<JsonElement>();
        string url = $"/api/v1/workspaces/{ws}/activity?take=2";
        while (true)
        {
            var page = await GetListAsync(alice, url);
            Assert.True(page.Count <= 2);
            pages.AddRange(page);
            if (page.Count < 2)
            {
                break;
            }
            var before = page[^1].GetProperty("at").GetDateTime().ToString("O", CultureInfo.InvariantCulture);
            url = $"/api/v1/workspaces/{ws}/activity?take=2&before={Uri.EscapeDataString(before)}";
        }
        Assert.Equal(all.Select(e => e.GetProperty("id").GetInt64()), pages.Select(e => e.GetProperty("id").GetInt64()));
        Assert.Equal("workspace.created", pages[^1].GetProperty("action").GetString());
        Assert.Equal("Name 3 -> Name 4", pages[0].GetProperty("detail").GetString());
        // A time with an offset means the same instant.
        var at = all[1].GetProperty("at").GetDateTime();
        var withOffset = new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)).ToOffset(TimeSpan.FromHours(2)).ToString("O", CultureInfo.InvariantCulture);
        var older = await GetListAsync(alice, $"/api/v1/workspaces/{ws}/activity?before={Uri.EscapeDataString(withOffset)}");
        Assert.Equal(all.Skip(2).Select(e => e.GetProperty("id").GetInt64()), older.Select(e => e.GetProperty("id").GetInt64()));
    }

    [Fact]
    public async Task SavedFeedEntry_IsPublishedAsActivity_AfterItsTransactionCommits_AuditOnlyEntriesAreNot()
    {
        var alice = await _factory.RegisterAndSignInAsync("alice@lab.org");
        var bob = await _factory.RegisterAndSignInAsync("bob@lab.org");
        var ws = await CreateWorkspaceAsync(alice);
        var bobId = (await (await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/members", new { email = "bob@lab.org", role = "viewer" })).JsonAsync()).GetProperty("userId").GetString();
        using var recorder = new BusRecorder(_factory.Services.GetRequiredService<IWorkspaceEventBus>());

        Assert.Equal(HttpStatusCode.Created, (await alice.PostAsJsonAsync("/api/v1/account/tokens", new { name = "private" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await alice.PatchAsJsonAsync($"/api/v1/workspaces/{ws}", new { name = "Renamed" })).StatusCode);
        // Role changes save inside a transaction: published once it commits.
        Assert.Equal(HttpStatusCode.OK, (await alice.PatchAsJsonAsync($"/api/v1/workspaces/{ws}/members/{bobId}", new { role = "editor" })).StatusCode);

        var renamed = await recorder.WaitForAsync(e => e.Type == "activity" && ((ActivityItem)e.Data!).Action == "workspace.renamed");
        Assert.Equal((ws, "alice@lab.org"), (renamed.WorkspaceId, renamed.Actor));
        var item = (ActivityItem)renamed.Data!;
        Assert.Equal(("Lab -> Renamed", ActivityKinds.Workspace), (item.Detail, item.Kind));
        var feedIds = (await GetListAsync(alice, $"/api/v1/workspaces/{ws}/activity")).Select(e => e.GetProperty("id").GetInt64()).ToList();
        Assert.Contains(item.Id, feedIds);
        var changed = (ActivityItem)(await recorder.WaitForAsync(e => e.Type == "activity" && ((ActivityItem)e.Data!).Action == "member.role_changed")).Data!;
        Assert.Equal("bob@lab.org: Viewer -> Editor", changed.Detail);
        // The token was created before the rename and the bus keeps order: had it been published, it would be here.
        Assert.DoesNotContain(recorder.Events, e => e.Type == "activity" && ((ActivityItem)e.Data!).Kind == ActivityKinds.Token);
    }
}
