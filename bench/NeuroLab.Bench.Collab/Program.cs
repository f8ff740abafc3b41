using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace NeuroLab.Bench.Collab;

/// <summary>
/// Live-collaboration load benchmark against a running NeuroLab server: N SignalR clients (WebSockets) watch one
/// running fit (JoinRun + JoinWorkspace) while one owner posts comments and replies at a steady rate. Every client
/// must receive every <c>annotation.created</c> event; the latency of one delivery is its receive time minus the
/// moment just before the owner's POST was sent (all clients live in this process, so they share one clock).
/// Usage: <c>dotnet run -c Release --project bench/NeuroLab.Bench.Collab -- URL [clients] [options]</c>; see bench/README.md.
/// Exits 1 when any event was lost or a post failed.
/// </summary>
internal static class Program
{
    private const string Password = "correct horse battery staple";

    private static async Task<int> Main(string[] args)
    {
        Options o;
        try
        {
            o = Options.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(Options.Usage);
            return 2;
        }

        using var memory = o.Pid is { } pid ? new MemorySampler(pid) : null;
        using var anonymous = new HttpClient { BaseAddress = o.BaseUrl, Timeout = TimeSpan.FromMinutes(5) };
        var tag = DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "-" + Random.Shared.Next(1000, 9999).ToString(CultureInfo.InvariantCulture);

        // Accounts: one owner who posts, and member accounts the clients are spread over (round robin).
        Console.WriteLine($"Signing up 1 owner and {o.Accounts} member account(s) (the server allows SignInPermitLimit sign-in/registration submissions per address per window; 429s are waited out).");
        var ownerEmail = $"collab-owner-{tag}@bench.lab";
        var ownerToken = await SignUpAsync(anonymous, ownerEmail);
        using var owner = Authorized(o.BaseUrl, ownerToken);
        var ws = (await PostAsync(owner, "/api/v1/workspaces", new { name = "collab bench " + tag })).GetProperty("id").GetGuid();
        var memberTokens = new List<string>();
        for (var k = 0; k < o.Accounts; k++)
        {
            var email = $"collab-m{k}-{tag}@bench.lab";
            memberTokens.Add(await SignUpAsync(anonymous, email));
            await PostAsync(owner, $"/api/v1/workspaces/{ws}/members", new { email, role = "viewer" });
        }

        Console.WriteLine($"Importing sample {o.Sample} ...");
        var dataset = await PostAsync(owner, $"/api/v1/workspaces/{ws}/datasets", new { sample = o.Sample });
        if (dataset.TryGetProperty("dataset", out var inner))
        {
            dataset = inner;
        }
        var datasetId = dataset.GetProperty("id").GetGuid();
        var detail = await GetAsync(owner, $"/api/v1/datasets/{datasetId}");
        var responseSetId = detail.GetProperty("responseSets")[0].GetProperty("id").GetGuid();
        memory?.Mark("before");

        // The fit to watch: by default a ridge encoding model (frequent progress events); the decoder with early stopping off trains until cancelled.
        object parameters = o.Kind == "reconstruction-decoder"
            ? new { responseSetId, maxEpochs = o.Epochs, patience = o.Epochs }
            : new { responseSetId, permutations = o.Permutations, folds = o.Folds };
        var startRun = async () => (await PostAsync(owner, $"/api/v1/workspaces/{ws}/runs", new { kind = o.Kind, datasetId, seed = 1, parameters })).GetProperty("id").GetGuid();
        var runId = await startRun();
        var runClock = Stopwatch.StartNew();
        Console.WriteLine($"Run {runId} started ({o.Kind} on {o.Sample}: {JsonSerializer.Serialize(parameters)}). Connecting {o.Clients} clients over {o.Transport} ...");

        var watchers = new List<Watcher>();
        for (var i = 0; i < o.Clients; i++)
        {
            watchers.Add(new Watcher(o.BaseUrl, memberTokens[i % memberTokens.Count], o.Transport));
        }
        // Connect in small batches: the server and this process share the machine's cores.
        foreach (var batch in watchers.Chunk(10))
        {
            await Task.WhenAll(batch.Select(w => w.StartAsync(runId, ws)));
        }
        Console.WriteLine($"{watchers.Count} clients joined run and workspace after {runClock.Elapsed.TotalSeconds:F1} s of the run. Posting {o.Comments} comments at {o.Rate}/s ...");

        // Keep a fit running while posting: when one ends, start the same again and have every client join it.
        using var posting = new CancellationTokenSource();
        var fits = 1;
        var keeper = Task.Run(async () =>
        {
            while (!posting.IsCancellationRequested)
            {
                await Task.Delay(250);
                var status = (await GetAsync(owner, $"/api/v1/runs/{runId}")).GetProperty("status").GetString();
                if (status is not ("queued" or "running") && !posting.IsCancellationRequested)
                {
                    runId = await startRun();
                    fits++;
                    await Task.WhenAll(watchers.Select(w => w.JoinRunAsync(runId)));
                }
            }
        });

        // Post at a steady rate: each post starts on its schedule whether or not the previous one has answered.
        var posts = new Post[o.Comments];
        var postTasks = new List<Task>();
        var schedule = Stopwatch.StartNew();
        Task<Guid>? currentThread = null;
        for (var i = 0; i < o.Comments; i++)
        {
            var due = TimeSpan.FromSeconds(i / o.Rate);
            if (due > schedule.Elapsed)
            {
                await Task.Delay(due - schedule.Elapsed);
            }
            var post = posts[i] = new Post(i);
            if (i % o.RepliesPerThread == 0)
            {
                currentThread = CommentAsync(owner, post, $"/api/v1/workspaces/{ws}/annotations", new { target = new { kind = "run", runId }, body = $"Bench comment #{i}." });
                postTasks.Add(currentThread);
            }
            else
            {
                var root = currentThread!;
                postTasks.Add(Task.Run(async () =>
                {
                    var thread = await root;
                    await CommentAsync(owner, post, $"/api/v1/annotations/{thread}/replies", new { body = $"Bench reply #{i}." });
                }));
            }
        }
        var postErrors = 0;
        try
        {
            await Task.WhenAll(postTasks);
        }
        catch (Exception)
        {
            postErrors = postTasks.Count(t => t.IsFaulted);
            foreach (var e in postTasks.Where(t => t.IsFaulted).Take(3))
            {
                Console.Error.WriteLine("post failed: " + e.Exception!.GetBaseException().Message);
            }
        }
        var postingSeconds = schedule.Elapsed.TotalSeconds;
        await posting.CancelAsync();
        await keeper;
        var runAfterPosting = (await GetAsync(owner, $"/api/v1/runs/{runId}")).GetProperty("status").GetString();

        // Wait (up to the grace period) until every client has every posted event.
        var expected = posts.Where(p => p.Id is not null).Select(p => p.Id!.Value).ToList();
        var grace = Stopwatch.StartNew();
        while (grace.Elapsed < o.Grace && watchers.Any(w => expected.Any(id => !w.Received.ContainsKey(id))))
        {
            await Task.Delay(50);
        }
        memory?.Mark("loaded");

        // Latencies: receive time minus the moment before the POST left, for every (client, post) pair delivered.
        var latencies = new List<double>();
        var afterAnswer = new List<double>();
        var perClient = new List<int>();
        long lost = 0;
        foreach (var w in watchers)
        {
            var got = 0;
            foreach (var p in posts.Where(p => p.Id is not null))
            {
                if (w.Received.TryGetValue(p.Id!.Value, out var at))
                {
                    got++;
                    latencies.Add(Stopwatch.GetElapsedTime(p.SentAt, at).TotalMilliseconds);
                    afterAnswer.Add(Stopwatch.GetElapsedTime(p.AnsweredAt, at).TotalMilliseconds);
                }
                else
                {
                    lost++;
                }
            }
            perClient.Add(got);
        }
        latencies.Sort();
        afterAnswer.Sort();
        var ack = posts.Where(p => p.Id is not null).Select(p => Stopwatch.GetElapsedTime(p.SentAt, p.AnsweredAt).TotalMilliseconds).Order().ToList();

        await Task.WhenAll(watchers.Select(w => w.DisposeAsync().AsTask()));
        // Stop the fit so the server settles, then read its memory after the clients have gone.
        if (runAfterPosting is "queued" or "running")
        {
            await owner.PostAsync($"/api/v1/runs/{runId}/cancel", null);
        }
        await Task.Delay(TimeSpan.FromSeconds(3));
        memory?.Mark("after");

        var runEvents = watchers.Select(w => w.RunEvents).ToList();
        var rows = new List<(string, string)>
        {
            ("server", o.BaseUrl.ToString()),
            ("clients (accounts)", $"{o.Clients} ({o.Accounts} member accounts), {o.Transport}"),
            ("comments posted (threads + replies)", $"{expected.Count} of {o.Comments} ({(o.Comments + o.RepliesPerThread - 1) / o.RepliesPerThread} threads), {postErrors} failed, over {postingSeconds:F1} s ({expected.Count / postingSeconds:F1}/s)"),
            ("fits watched (started one after another)", $"{fits} {o.Kind}; the last {runAfterPosting} at the last post ({runClock.Elapsed.TotalSeconds:F0} s after the first started)"),
            ("events expected per client", expected.Count.ToString(CultureInfo.InvariantCulture)),
            ("events received per client (min / max)", $"{(perClient.Count > 0 ? perClient.Min() : 0)} / {(perClient.Count > 0 ? perClient.Max() : 0)}"),
            ("duplicates (all clients)", watchers.Sum(w => w.Duplicates).ToString(CultureInfo.InvariantCulture)),
            ("lost (client x event)", lost.ToString(CultureInfo.InvariantCulture)),
            ("delivery latency ms p50 / p95 / p99 / max", $"{Pct(latencies, 50):F1} / {Pct(latencies, 95):F1} / {Pct(latencies, 99):F1} / {(latencies.Count > 0 ? latencies[^1] : double.NaN):F1}"),
            ("POST answered ms p50 / p95 / max", $"{Pct(ack, 50):F1} / {Pct(ack, 95):F1} / {(ack.Count > 0 ? ack[^1] : double.NaN):F1}"),
            ("of which after the POST answered ms p50 / p95 / max (negative: event before the answer)", $"{Pct(afterAnswer, 50):F1} / {Pct(afterAnswer, 95):F1} / {(afterAnswer.Count > 0 ? afterAnswer[^1] : double.NaN):F1}"),
            ("run events per client (min / max)", $"{runEvents.Min()} / {runEvents.Max()}"),
            ("server VmRSS MiB before / peak / after", memory?.Report() ?? "(give --pid PID to read /proc/PID/status)"),
        };
        Console.WriteLine();
        Console.WriteLine("| measure | value |");
        Console.WriteLine("|---|---|");
        foreach (var (name, value) in rows)
        {
            Console.WriteLine($"| {name} | {value} |");
        }
        var p95 = Pct(latencies, 95);
        Console.WriteLine();
        Console.WriteLine($"Goal (p95 < 250 ms, nothing lost): {(lost == 0 && postErrors == 0 && p95 < 250 ? "met" : "MISSED")}.");
        return lost == 0 && postErrors == 0 ? 0 : 1;
    }

    private static double Pct(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static async Task<Guid> CommentAsync(HttpClient owner, Post post, string path, object body)
    {
        post.SentAt = Stopwatch.GetTimestamp();
        using var response = await owner.PostAsJsonAsync(path, body);
        post.AnsweredAt = Stopwatch.GetTimestamp();
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        post.Id = id;
        return id;
    }

    /// <summary>Registers and signs in, waiting out 429 answers of the sign-in rate limit (Retry-After).</summary>
    private static async Task<string> SignUpAsync(HttpClient anonymous, string email)
    {
        await SubmitAsync(anonymous, "/api/v1/account/register", new { email, password = Password });
        using var login = await SubmitAsync(anonymous, "/api/v1/account/login", new { email, password = Password });
        return (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
    }

    private static async Task<HttpResponseMessage> SubmitAsync(HttpClient client, string path, object body)
    {
        while (true)
        {
            var response = await client.PostAsJsonAsync(path, body);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(60);
                Console.WriteLine($"  {path}: 429 (sign-in rate limit), waiting {wait.TotalSeconds:F0} s");
                response.Dispose();
                await Task.Delay(wait + TimeSpan.FromSeconds(1));
                continue;
            }
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
            return response;
        }
    }

    private static HttpClient Authorized(Uri baseUrl, string token)
    {
        var client = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromMinutes(5) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task<JsonElement> PostAsync(HttpClient client, string path, object body)
    {
        using var response = await client.PostAsJsonAsync(path, body);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        var text = await response.Content.ReadAsStringAsync();
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<JsonElement> GetAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).Clone();
    }

    private sealed class Post(int index)
    {
        public int Index { get; } = index;

        public long SentAt { get; set; }

        public long AnsweredAt { get; set; }

        public Guid? Id { get; set; }
    }

    /// <summary>One hub client: joins the run and the workspace, stamps the first receipt of every annotation.created event.</summary>
    private sealed class Watcher : IAsyncDisposable
    {
        private readonly HubConnection _connection;
        private int _runEvents;
        private int _duplicates;

        public Watcher(Uri baseUrl, string token, HttpTransportType transport)
        {
            _connection = new HubConnectionBuilder()
                .WithUrl(new Uri(baseUrl, "hubs/runs"), o =>
                {
                    o.Transports = transport;
                    o.SkipNegotiation = transport == HttpTransportType.WebSockets;
                    o.AccessTokenProvider = () => Task.FromResult<string?>(token);
                })
                .Build();
            _connection.On<JsonElement>("workspaceEvent", e =>
            {
                var at = Stopwatch.GetTimestamp();
                if (e.GetProperty("type").GetString() == "annotation.created"
                    && e.TryGetProperty("annotationId", out var id) && id.ValueKind == JsonValueKind.String
                    && !Received.TryAdd(id.GetGuid(), at))
                {
                    Interlocked.Increment(ref _duplicates);
                }
            });
            _connection.On<JsonElement>("runEvent", _ => Interlocked.Increment(ref _runEvents));
        }

        public ConcurrentDictionary<Guid, long> Received { get; } = new();

        public int RunEvents => Volatile.Read(ref _runEvents);

        public int Duplicates => Volatile.Read(ref _duplicates);

        public async Task StartAsync(Guid runId, Guid workspaceId)
        {
            await _connection.StartAsync();
            await _connection.InvokeAsync("JoinWorkspace", workspaceId);
            await JoinRunAsync(runId);
        }

        public Task JoinRunAsync(Guid runId) => _connection.InvokeAsync("JoinRun", runId);

        public ValueTask DisposeAsync() => _connection.DisposeAsync();
    }

    /// <summary>Samples the server's resident memory (VmRSS in /proc/PID/status) every 200 ms; remembers marks and the peak.</summary>
    private sealed class MemorySampler : IDisposable
    {
        private readonly int _pid;
        private readonly Timer _timer;
        private readonly Dictionary<string, long> _marks = [];
        private long _peakKb;

        public MemorySampler(int pid)
        {
            _pid = pid;
            if (Read() is null)
            {
                throw new ArgumentException($"No /proc/{pid}/status to read the server's memory from.");
            }
            _timer = new Timer(_ => Sample(), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(200));
        }

        public void Mark(string name) => _marks[name] = Sample();

        public string Report()
        {
            static string Mib(long kb) => (kb / 1024.0).ToString("F0", CultureInfo.InvariantCulture);
            return $"{Mib(_marks.GetValueOrDefault("before"))} / {Mib(Interlocked.Read(ref _peakKb))} / {Mib(_marks.GetValueOrDefault("after"))} (with {Mib(_marks.GetValueOrDefault("loaded"))} when the last event arrived)";
        }

        public void Dispose() => _timer.Dispose();

        private long Sample()
        {
            var kb = Read() ?? 0;
            long peak;
            while (kb > (peak = Interlocked.Read(ref _peakKb)) && Interlocked.CompareExchange(ref _peakKb, kb, peak) != peak)
            {
            }
            return kb;
        }

        private long? Read()
        {
            try
            {
                var line = File.ReadLines($"/proc/{_pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
                return line is null ? null : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                return null;
            }
        }
    }

    private sealed record Options(Uri BaseUrl, int Clients, int Accounts, int Comments, double Rate, int RepliesPerThread, int? Pid, string Kind, string Sample, int Epochs, int Permutations, int Folds, HttpTransportType Transport, TimeSpan Grace)
    {
        public const string Usage =
            "usage: NeuroLab.Bench.Collab URL [clients=50] [--accounts K (default min(clients, 4): the default sign-in limit is 10 submissions a minute)]\n" +
            "       [--comments 200] [--rate 10] [--thread-every 10] [--pid SERVER_PID]\n" +
            "       [--kind encoding-ridge (--sample allen-v1 --permutations 100000 --folds 20) | reconstruction-decoder (--sample vangerven-digits --epochs 100000)]\n" +
            "       [--transport websockets|longpolling] [--grace-seconds 30]";

        public static Options Parse(string[] args)
        {
            if (args.Length == 0 || !Uri.TryCreate(args[0].TrimEnd('/') + "/", UriKind.Absolute, out var url))
            {
                throw new ArgumentException("Give the server's URL first, e.g. http://127.0.0.1:5099.");
            }
            var rest = args.Skip(1).ToList();
            var clients = 50;
            if (rest.Count > 0 && !rest[0].StartsWith("--", StringComparison.Ordinal))
            {
                clients = Int(rest[0]);
                rest.RemoveAt(0);
            }
            var named = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < rest.Count; i += 2)
            {
                if (!rest[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= rest.Count)
                {
                    throw new ArgumentException($"Unexpected argument '{rest[i]}'.");
                }
                named[rest[i][2..]] = rest[i + 1];
            }
            string? Get(string name) => named.Remove(name, out var v) ? v : null;
            var kind = Get("kind") ?? "encoding-ridge";
            if (kind is not ("reconstruction-decoder" or "encoding-ridge"))
            {
                throw new ArgumentException($"Unknown kind '{kind}': reconstruction-decoder or encoding-ridge.");
            }
            var options = new Options(
                url,
                clients,
                Get("accounts") is { } a ? Int(a) : Math.Min(clients, 4),
                Get("comments") is { } c ? Int(c) : 200,
                Get("rate") is { } r ? double.Parse(r, CultureInfo.InvariantCulture) : 10,
                Get("thread-every") is { } t ? Int(t) : 10,
                Get("pid") is { } p ? Int(p) : null,
                kind,
                Get("sample") ?? (kind == "reconstruction-decoder" ? "vangerven-digits" : "allen-v1"),
                Get("epochs") is { } e ? Int(e) : 100_000,
                Get("permutations") is { } n ? Int(n) : 100000,
                Get("folds") is { } f ? Int(f) : 20,
                (Get("transport") ?? "websockets").ToLowerInvariant() switch
                {
                    "websockets" => HttpTransportType.WebSockets,
                    "longpolling" => HttpTransportType.LongPolling,
                    var x => throw new ArgumentException($"Unknown transport '{x}'."),
                },
                TimeSpan.FromSeconds(Get("grace-seconds") is { } g ? Int(g) : 30));
            if (named.Count > 0)
            {
                throw new ArgumentException($"Unknown option --{named.Keys.First()}.");
            }
            if (options.Clients < 1 || options.Accounts < 1 || options.Comments < 1 || options.Rate <= 0 || options.RepliesPerThread < 1)
            {
                throw new ArgumentException("Clients, accounts, comments, rate and thread-every must be positive.");
            }
            return options with { Accounts = Math.Min(options.Accounts, options.Clients) };
        }

        private static int Int(string s) => int.Parse(s, CultureInfo.InvariantCulture);
    }
}
