using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace NeuroLab.E2E;

/// <summary>Fitting an encoding model from the browser and watching it live; a Viewer sees the same run.</summary>
public sealed class RunTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private Task<IPage> RegisterAsync(string email) => fixture.RegisterAsync(email);

    [Fact]
    public async Task EncodingRun_LaunchedInBrowser_ShowsLiveProgressAndResults_ViewerSeesIt()
    {
        var alice = await RegisterAsync("runner@lab.org");
        var workspace = await BrowserFixture.CreateWorkspaceAsync(alice, "V1 models");
        await alice.GotoAsync($"w/{workspace}/datasets/samples");
        // Prerendered buttons do nothing until the circuit is connected.
        await alice.Locator("[data-testid=interactive]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        await alice.Locator("[data-sample=allen-v1] [data-testid=add-sample-button]").ClickAsync();
        await alice.WaitForURLAsync(new Regex($"/w/{workspace}/datasets/[0-9a-f-]{{36}}$"));

        await alice.GotoAsync($"w/{workspace}/runs/new");
        await alice.Locator("[data-testid=interactive]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        await alice.Locator("input[data-testid=run-new-experiment], [data-testid=run-new-experiment] input").First.FillAsync("Gabor vs pixels");
        await alice.ClickAsync("[data-testid=run-submit]");
        await alice.WaitForURLAsync(new Regex($"/w/{workspace}/runs/[0-9a-f-]{{36}}$"));
        var runUrl = alice.Url;
        await Assertions.Expect(alice.Locator("[data-testid=run-status]")).ToHaveTextAsync("succeeded", new LocatorAssertionsToHaveTextOptions { Timeout = 120_000 });
        await Assertions.Expect(alice.Locator("[data-testid=run-mean-r]")).ToContainTextAsync("mean r");
        await Assertions.Expect(alice.Locator("[data-testid=run-artifacts]")).ToContainTextAsync("test_r.npy");
        await Assertions.Expect(alice.Locator("[data-testid=run-log]")).ToContainTextAsync("Mean test r");
        await alice.Locator("[data-testid=line-chart] .main-svg").First.WaitForAsync();
        await alice.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "18-run-finished.png"), FullPage = true });

        // Neurons have no volume: every unit is a point of the unit map, and a click on one opens it.
        var point = alice.Locator("[data-testid=run-unit-map] .scatterlayer .points path").First;
        await point.WaitForAsync();
        await alice.Locator("[data-testid=run-unit-map]").ScrollIntoViewIfNeededAsync();
        var at = (await point.BoundingBoxAsync())!;
        await alice.Mouse.MoveAsync(at.X + at.Width / 2, at.Y + at.Height / 2);
        await Assertions.Expect(alice.Locator("[data-testid=run-unit-map] .hoverlayer")).ToContainTextAsync("unit ");
        await alice.Locator("[data-testid=run-unit-map]").ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "18b-unit-map.png") });
        await alice.Mouse.ClickAsync(at.X + at.Width / 2, at.Y + at.Height / 2);
        await alice.WaitForURLAsync(new Regex("/units/\\d+$"));
        // Back to the run by its address: a history step after Blazor's client-side navigation fires no load event to wait on.
        await alice.GotoAsync(runUrl);
        await alice.Locator("[data-testid=interactive]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        await alice.Locator("[data-testid=unit-link]").First.ClickAsync();
        await alice.WaitForURLAsync(new Regex("/units/\\d+$"));
        await alice.Locator("[data-testid=unit-scatter] .main-svg").First.WaitForAsync();
        await Assertions.Expect(alice.Locator("[data-testid=unit-top-measured] img")).ToHaveCountAsync(8);
        await Assertions.Expect(alice.Locator("[data-testid=unit-top-predicted] img")).ToHaveCountAsync(8);
        await alice.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "20-unit.png"), FullPage = true });
        await alice.GotoAsync(runUrl);

        await alice.GotoAsync($"w/{workspace}/runs");
        await Assertions.Expect(alice.Locator("[data-testid=run-list]")).ToContainTextAsync("Gabor vs pixels");
        await Assertions.Expect(alice.Locator("[data-testid=run-list]")).ToContainTextAsync("mean test r");
        await alice.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "19-run-list.png") });

        // A second model of the same experiment (banded ridge over Gabor and raw pixels), then the experiment page compares the two per unit.
        var api = alice.Context.APIRequest;
        var first = await (await api.GetAsync($"api/v1/runs/{runUrl[^36..]}")).JsonAsync<System.Text.Json.JsonElement>();
        var second = await api.PostAsync($"api/v1/workspaces/{workspace}/runs", new APIRequestContextOptions
        {
            DataObject = new
            {
                kind = "encoding-ridge",
                datasetId = first.GetProperty("datasetId").GetString(),
                experimentId = first.GetProperty("experimentId").GetString(),
                parameters = new { responseSetId = first.GetProperty("parameters").GetProperty("responseSetId").GetString(), bands = new[] { "gabor", "pixels" }, permutations = 100 },
            },
        });
        Assert.Equal(201, second.Status);
        await alice.ClickAsync("[data-testid=experiment-link]");
        await alice.WaitForURLAsync(new Regex($"/w/{workspace}/experiments/[0-9a-f-]{{36}}$"));
        await Assertions.Expect(alice.Locator("[data-testid=compare-run]")).ToHaveCountAsync(2);
        // The comparison appears live when the banded run finishes.
        await alice.Locator("[data-testid=compare-scatter] .main-svg").First.WaitForAsync(new LocatorWaitForOptions { Timeout = 120_000 });
        await Assertions.Expect(alice.Locator("[data-testid=compare-scatter]")).ToContainTextAsync("ridge · gabor+pixels");
        await alice.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "22-experiment.png"), FullPage = true });
    }

    [Fact]
    public async Task HaxbyCategoryModel_OnSingleTrialsSplitByRun_FromTheBrowser()
    {
        var alice = await RegisterAsync("categories@lab.org");
        var workspace = await BrowserFixture.CreateWorkspaceAsync(alice, "Haxby categories");
        var created = await alice.Context.APIRequest.PostAsync($"api/v1/workspaces/{workspace}/datasets", new APIRequestContextOptions { DataObject = new { sample = "haxby2001-sub1" } });
        Assert.Equal(201, created.Status);
        var dataset = (await created.JsonAsync<System.Text.Json.JsonElement>()).GetProperty("dataset").GetProperty("id").GetString();

        // The GLM conditions have labels and no images: the form offers label features and trial-level samples.
        await alice.GotoAsync($"w/{workspace}/runs/new?datasetId={dataset}");
        await alice.Locator("[data-testid=interactive]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        await alice.ClickAsync("[data-testid=run-samples]");
        await alice.ClickAsync("text=Single trials, split by repeat");
        await alice.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "23-haxby-new-run.png"), FullPage = true });
        await alice.ClickAsync("[data-testid=run-submit]");
        await alice.WaitForURLAsync(new Regex($"/w/{workspace}/runs/[0-9a-f-]{{36}}$"));
        await Assertions.Expect(alice.Locator("[data-testid=run-status]")).ToHaveTextAsync("succeeded", new LocatorAssertionsToHaveTextOptions { Timeout = 120_000 });
        await Assertions.Expect(alice.Locator("[data-testid=run-summary]")).ToContainTextAsync("category labels, one-hot over 8");
        await Assertions.Expect(alice.Locator("[data-testid=run-summary]")).ToContainTextAsync("trials");
        await Assertions.Expect(alice.Locator("[data-testid=run-log]")).ToContainTextAsync("repeats 1-10 train");
        await alice.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "24-haxby-run.png"), FullPage = true });

        // A voxel's page: single-trial test betas against predictions, its categories ranked by name and value.
        await alice.Locator("[data-testid=unit-link]").First.ClickAsync();
        await alice.WaitForURLAsync(new Regex("/units/\\d+$"));
        await alice.Locator("[data-testid=unit-scatter] .main-svg").First.WaitForAsync();
        await Assertions.Expect(alice.Locator("[data-testid=unit-top-measured] figcaption")).ToHaveCountAsync(8);
        await Assertions.Expect(alice.Locator("[data-testid=unit-top-measured]")).ToContainTextAsync("face");
        await Assertions.Expect(alice.Locator("[data-testid=unit-top-predicted] figcaption")).ToHaveCountAsync(8);
        await alice.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "25-haxby-voxel.png"), FullPage = true });
    }
}

/// <summary>A new user's first model: from the dataset page, the form's defaults start a run on the first START.</summary>
public sealed class FirstRunTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Haxby_FitAModelFromDatasetPage_DefaultsStartOnFirstClick()
    {
        var alice = await fixture.RegisterAsync("firstrun@lab.org");
        var workspace = await BrowserFixture.CreateWorkspaceAsync(alice, "First run");
        var created = await alice.Context.APIRequest.PostAsync($"api/v1/workspaces/{workspace}/datasets", new APIRequestContextOptions { DataObject = new { sample = "haxby2001-sub1" } });
        Assert.Equal(201, created.Status);
        var dataset = (await created.JsonAsync<System.Text.Json.JsonElement>()).GetProperty("dataset").GetProperty("id").GetString();

        await alice.GotoAsync($"w/{workspace}/datasets/{dataset}");
        await alice.Locator("[data-testid=interactive]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        await alice.ClickAsync("[data-testid=dataset-fit-model]");
        await alice.WaitForURLAsync(new Regex($"/w/{workspace}/runs/new\\?datasetId={dataset}$"));
        await alice.Locator("[data-testid=interactive]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        // Nothing touched: the defaults that fit Haxby's GLM conditions (labels, single trials split by run).
        await alice.ClickAsync("[data-testid=run-submit]");
        await alice.WaitForURLAsync(new Regex($"/w/{workspace}/runs/[0-9a-f-]{{36}}$"));
        await Assertions.Expect(alice.Locator("[data-testid=run-problems]")).ToHaveCountAsync(0);
        await Assertions.Expect(alice.Locator("[data-testid=run-status]")).ToHaveTextAsync("succeeded", new LocatorAssertionsToHaveTextOptions { Timeout = 120_000 });
        await Assertions.Expect(alice.Locator("[data-testid=run-summary]")).ToContainTextAsync("category labels, one-hot over 8");
        await Assertions.Expect(alice.Locator("[data-testid=run-log]")).ToContainTextAsync("repeats 1-10 train");

        // Choices that do not fit are refused in the form's own words, not the API's parameter names.
        await alice.GotoAsync($"w/{workspace}/runs/new?datasetId={dataset}");
        await alice.Locator("[data-testid=interactive]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        await alice.ClickAsync("[data-testid=run-samples]");
        await alice.ClickAsync("text=One per stimulus (trial means)");
        await alice.ClickAsync("[data-testid=run-split]");
        await alice.ClickAsync("text=As marked in the dataset");
        await alice.ClickAsync("[data-testid=run-submit]");
        await Assertions.Expect(alice.Locator("[data-testid=run-problems]")).ToContainTextAsync("use Train/test split \"Random 80/20 (seeded)\"");
        await alice.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "23b-new-run-labelled-error.png"), FullPage = true });
    }
}

/// <summary>Neural readout from the browser with a live training curve, watched live by a Viewer, and cancelled.</summary>
public sealed class ReadoutRunTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private Task<IPage> RegisterAsync(string email) => fixture.RegisterAsync(email);

    private static Task InteractiveAsync(IPage page) =>
        page.Locator("[data-testid=interactive]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });

    [Fact]
    public async Task Readout_LiveCurve_ViewerSeesRunAppear_CancelStopsLongRun()
    {
        var alice = await RegisterAsync("trainer@lab.org");
        var bob = await RegisterAsync("watcher@lab.org");
        var workspace = await BrowserFixture.CreateWorkspaceAsync(alice, "Readouts");
        var api = alice.Context.APIRequest;
        Assert.Equal(201, (await api.PostAsync($"api/v1/workspaces/{workspace}/members", new APIRequestContextOptions { DataObject = new { email = "watcher@lab.org", role = "viewer" } })).Status);
        var created = await api.PostAsync($"api/v1/workspaces/{workspace}/datasets", new APIRequestContextOptions { DataObject = new { sample = "allen-v1" } });
        Assert.Equal(201, created.Status);

        // Bob watches the (empty) run list; the run appears and finishes there without a reload.
        await bob.GotoAsync($"w/{workspace}/runs");
        await InteractiveAsync(bob);
        await Assertions.Expect(bob.Locator("[data-testid=no-runs]")).ToBeVisibleAsync();

        await alice.GotoAsync($"w/{workspace}/runs/new");
        await InteractiveAsync(alice);
        await alice.ClickAsync("[data-testid=run-kind]");
        await alice.ClickAsync("text=Neural readout (TorchSharp, spatial x feature)");
        await alice.ClickAsync("[data-testid=run-submit]");
        await alice.WaitForURLAsync(new Regex($"/w/{workspace}/runs/[0-9a-f-]{{36}}$"));
        await Assertions.Expect(alice.Locator("h1")).ToHaveTextAsync("encoding-readout");
        await Assertions.Expect(alice.Locator("[data-testid=run-status]")).ToHaveTextAsync("succeeded", new LocatorAssertionsToHaveTextOptions { Timeout = 120_000 });
        await Assertions.Expect(alice.Locator("[data-testid=run-training-curve]")).ToBeVisibleAsync();
        // Opened after training, the page draws the stored curve.
        await alice.ReloadAsync();
        await InteractiveAsync(alice);
        await alice.Locator("[data-testid=run-training-curve] .main-svg").First.WaitForAsync();
        await alice.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "21-readout-run.png"), FullPage = true });

        await Assertions.Expect(bob.Locator("[data-testid=run-list]")).ToContainTextAsync("encoding-readout", new LocatorAssertionsToContainTextOptions { Timeout = 30_000 });
        await Assertions.Expect(bob.Locator("[data-testid=run-list] [data-testid=run-status]")).ToHaveTextAsync("succeeded", new LocatorAssertionsToHaveTextOptions { Timeout = 30_000 });
        await Assertions.Expect(bob.Locator("[data-testid=new-run]")).ToHaveCountAsync(0);

        // A long run is cancelled from its page.
        var dataset = await (await api.GetAsync($"api/v1/workspaces/{workspace}/datasets")).JsonAsync<System.Text.Json.JsonElement>();
        var detail = await (await api.GetAsync($"api/v1/datasets/{dataset[0].GetProperty("id").GetString()}")).JsonAsync<System.Text.Json.JsonElement>();
        var run = await api.PostAsync($"api/v1/workspaces/{workspace}/runs", new APIRequestContextOptions
        {
            DataObject = new
            {
                kind = "encoding-readout",
                datasetId = detail.GetProperty("dataset").GetProperty("id").GetString(),
                parameters = new { responseSetId = detail.GetProperty("responseSets")[0].GetProperty("id").GetString(), maxEpochs = 10000, patience = 10000 },
            },
        });
        Assert.Equal(201, run.Status);
        var runId = (await run.JsonAsync<System.Text.Json.JsonElement>()).GetProperty("id").GetString();
        await alice.GotoAsync($"w/{workspace}/runs/{runId}");
        await InteractiveAsync(alice);
        await Assertions.Expect(alice.Locator("[data-testid=run-events-received]")).Not.ToHaveTextAsync(new Regex("^0 "), new LocatorAssertionsToHaveTextOptions { Timeout = 60_000 });
        // Bob watches the same run page and receives the same live stream.
        await bob.GotoAsync($"w/{workspace}/runs/{runId}");
        await InteractiveAsync(bob);
        await Assertions.Expect(bob.Locator("[data-testid=run-events-received]")).Not.ToHaveTextAsync(new Regex("^0 "), new LocatorAssertionsToHaveTextOptions { Timeout = 60_000 });
        await Assertions.Expect(bob.Locator("[data-testid=run-cancel]")).ToHaveCountAsync(0);

        // From the browser, over the SignalR JSON protocol: a member may join the run's hub group, an outsider may not.
        var carol = await RegisterAsync("outsider@lab.org");
        Assert.Equal("joined", await bob.EvaluateAsync<string>(JoinRunScript, runId));
        var refused = await carol.EvaluateAsync<string>(JoinRunScript, runId);
        Assert.StartsWith("error:", refused, StringComparison.Ordinal);
        Assert.Contains("not found", refused, StringComparison.Ordinal);

        await alice.ClickAsync("[data-testid=run-cancel]");
        await Assertions.Expect(alice.Locator("[data-testid=run-status]")).ToHaveTextAsync("cancelled", new LocatorAssertionsToHaveTextOptions { Timeout = 60_000 });
        await Assertions.Expect(bob.Locator("[data-testid=run-status]")).ToHaveTextAsync("cancelled", new LocatorAssertionsToHaveTextOptions { Timeout = 30_000 });
    }

    /// <summary>Negotiates with /hubs/runs using the page's cookie, opens the WebSocket, and invokes JoinRun; "joined" or "error: ...".</summary>
    private const string JoinRunScript = """
        async (runId) => {
          const negotiate = await fetch('hubs/runs/negotiate?negotiateVersion=1', { method: 'POST' });
          if (!negotiate.ok) return 'negotiate ' + negotiate.status;
          const { connectionToken } = await negotiate.json();
          const url = new URL('hubs/runs?id=' + encodeURIComponent(connectionToken), document.baseURI);
          url.protocol = url.protocol.replace('http', 'ws');
          const rs = '\u001e';
          return await new Promise(resolve => {
            const ws = new WebSocket(url);
            let buffer = '';
            ws.onopen = () => ws.send(JSON.stringify({ protocol: 'json', version: 1 }) + rs);
            ws.onmessage = e => {
              buffer += e.data;
              const parts = buffer.split(rs);
              buffer = parts.pop();
              for (const part of parts) {
                const m = JSON.parse(part);
                if (m.type === undefined && !m.error) {
                  ws.send(JSON.stringify({ type: 1, invocationId: '1', target: 'JoinRun', arguments: [runId] }) + rs);
                } else if (m.type === 3) {
                  ws.close();
                  resolve(m.error ? 'error: ' + m.error : 'joined');
                }
              }
            };
            ws.onerror = () => resolve('socket error');
            setTimeout(() => resolve('timeout'), 15000);
          });
        }
        """;
}
