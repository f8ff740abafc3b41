using System.Collections;
using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Options;
using NeuroLab.Compute.Runs;
using NeuroLab.Data.Serialization;

namespace NeuroLab.Web.Tests.Security;

/// <summary>
/// Undefined statistics (NaN, infinities) must serialise, as JSON null, wherever NeuroLab writes JSON: the shared
/// options, the REST options, the SignalR protocol. Found by the outside probe: caption-reviews answered 400 when a
/// kappa was undefined.
/// </summary>
public sealed class SecurityRegressionNonFiniteTests
{
    private static readonly double[] NonFinite = [double.NaN, double.PositiveInfinity, double.NegativeInfinity];

    /// <summary>The NeuroLab assemblies whose public types can end up in a response, a message or stored JSON.</summary>
    private static readonly Assembly[] Assemblies =
    [
        typeof(Program).Assembly, typeof(RunEvent).Assembly, typeof(NeuroLabJson).Assembly,
        typeof(Analysis.Captions.KeywordScore).Assembly, typeof(Formats.NumericArray).Assembly,
    ];

    [Fact]
    public void NeuroLabJson_NonFinite_WrittenAsNull_NullReadAsNaN()
    {
        var json = JsonSerializer.Serialize(new Sample(double.NaN, float.PositiveInfinity, double.NegativeInfinity, [1.5, double.NaN], new Dictionary<string, double> { ["r"] = double.NaN }), NeuroLabJson.Web);
        Assert.Equal("""{"mean":null,"single":null,"maybe":null,"values":[1.5,null],"metrics":{"r":null}}""", json);
        var back = JsonSerializer.Deserialize<Sample>(json, NeuroLabJson.Web)!;
        Assert.True(double.IsNaN(back.Mean));
        Assert.True(float.IsNaN(back.Single));
        Assert.Null(back.Maybe);
        Assert.True(double.IsNaN(back.Values[1]));
        Assert.True(double.IsNaN(back.Metrics["r"]));
        // JSON stored before this change spelled them as strings; it still reads.
        var legacy = JsonSerializer.Deserialize<Sample>("""{"mean":"NaN","single":"Infinity","maybe":"-Infinity","values":[0.25],"metrics":{}}""", NeuroLabJson.Web)!;
        Assert.True(double.IsNaN(legacy.Mean));
        Assert.Equal(float.PositiveInfinity, legacy.Single);
        Assert.Equal(double.NegativeInfinity, legacy.Maybe);
        // Finite values keep their exact round trip.
        Assert.Equal(0.1 + 0.2, JsonSerializer.Deserialize<double>(JsonSerializer.Serialize(0.1 + 0.2, NeuroLabJson.Web), NeuroLabJson.Web));
    }

    /// <summary>The CSV artifacts format with the invariant culture; docs/api/run-events.md documents these spellings.</summary>
    [Fact]
    public void CsvCells_NonFinite_AreSpelledNaNInfinity()
    {
        Assert.Equal("NaN,Infinity,-Infinity", string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{double.NaN:G6},{double.PositiveInfinity:G6},{double.NegativeInfinity:G6}"));
    }

    [Fact]
    public void DefaultOptions_RefuseNaN_SoTheSharedOptionsAreNeeded()
    {
        var stats = Construct(typeof(Captions.ReviewStats), 0);
        Assert.Throws<ArgumentException>(() => JsonSerializer.Serialize(stats, new JsonSerializerOptions(JsonSerializerDefaults.Web)));
    }

    public static TheoryData<string> OptionSets => ["shared", "http", "signalr"];

    /// <summary>
    /// Every public type of the NeuroLab assemblies that can carry a double or float (run summaries, caption review
    /// statistics, progress events, inspection documents, viewer models, API contracts...) is filled with NaN, +Inf
    /// and -Inf and serialised with each option set the app uses; none may throw and no non-finite literal may appear.
    /// </summary>
    [Theory]
    [MemberData(nameof(OptionSets))]
    public void EveryTypeWithDoubles_FilledWithNonFinite_Serialises(string optionSet)
    {
        using var factory = new NeuroLabAppFactory();
        var options = optionSet switch
        {
            "shared" => NeuroLabJson.Web,
            "http" => factory.Services.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions,
            "signalr" => factory.Services.GetRequiredService<IOptions<JsonHubProtocolOptions>>().Value.PayloadSerializerOptions,
            _ => throw new ArgumentOutOfRangeException(nameof(optionSet)),
        };
        var types = Assemblies.SelectMany(a => a.GetExportedTypes()).Where(IsDataTypeWithDoubles).ToList();
        var serialised = new List<string>();
        var failures = new List<string>();
        foreach (var type in types)
        {
            if (Construct(type, 0) is not { } instance)
            {
                continue;
            }
            try
            {
                var json = JsonSerializer.Serialize(instance, type, options);
                Assert.DoesNotContain("NaN", json, StringComparison.Ordinal);
                Assert.DoesNotContain("Infinity", json, StringComparison.Ordinal);
                serialised.Add(type.Name);
            }
            catch (Exception e) when (e is ArgumentException or JsonException or NotSupportedException)
            {
                failures.Add($"{type.FullName}: {e.Message}");
            }
        }
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
        // The statistics and messages the probe named must be among those checked.
        foreach (var required in new[] { "ReviewStats", "PairAgreement", "ReviewsResponse", "RunEvent", "UnitCaption", "CaptionEvidence", "KeywordScore", "InspectionDocument", "StagedUploadView", "ViewerVolume", "VoxelSample", "VolumeStats" })
        {
            Assert.Contains(required, serialised);
        }
        Assert.True(serialised.Count >= 20, $"Only {serialised.Count} types were checked: {string.Join(", ", serialised)}");
    }

    [Fact]
    public async Task CaptionReviews_NoCaptionReviewedTwice_ThenPerfectAgreement_Answer200WithNullKappa()
    {
        using var factory = new NeuroLabAppFactory();
        var alice = await factory.RegisterAndSignInAsync("alice@lab.org");
        var bob = await factory.RegisterAndSignInAsync("bob@lab.org");
        var ws = (await (await alice.PostAsJsonAsync("/api/v1/workspaces", new { name = "Kappa" })).JsonAsync()).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.Created, (await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/members", new { email = "bob@lab.org", role = "viewer" })).StatusCode);
        var haxby = await (await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/datasets", new { sample = "haxby2001-sub1" })).JsonAsync();
        var datasetId = haxby.GetProperty("dataset").GetProperty("id").GetString()!;
        var hoc = haxby.GetProperty("responseSets").EnumerateArray().Single(r => r.GetProperty("name").GetString()!.Contains("hoc", StringComparison.Ordinal)).GetProperty("id").GetString();
        var encoding = await RunAsync(alice, ws, datasetId, "encoding-ridge", new { responseSetId = hoc, features = "labels", samples = "trials", permutations = 0 });
        var captionRun = await RunAsync(alice, ws, datasetId, "voxel-captions", new { encodingRunId = encoding, minTestR = -1.0, keywords = 1 });

        // Only Alice has reviewed: no caption reviewed twice, Fleiss' kappa undefined.
        Assert.Equal(HttpStatusCode.OK, (await alice.PutAsJsonAsync($"/api/v1/runs/{captionRun}/captions/0/review", new { verdict = "accurate" })).StatusCode);
        var response = await alice.GetAsync($"/api/v1/runs/{captionRun}/caption-reviews");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var stats = (await response.JsonAsync()).GetProperty("stats");
        Assert.Equal(0, stats.GetProperty("captionsReviewedTwice").GetInt32());
        Assert.Equal(JsonValueKind.Null, stats.GetProperty("fleissKappa").ValueKind);

        // Both say "accurate" to the same two captions: chance agreement is 1, so both kappas are 0/0.
        Assert.Equal(HttpStatusCode.OK, (await alice.PutAsJsonAsync($"/api/v1/runs/{captionRun}/captions/1/review", new { verdict = "accurate" })).StatusCode);
        for (int unit = 0; unit < 2; unit++)
        {
            Assert.Equal(HttpStatusCode.OK, (await bob.PutAsJsonAsync($"/api/v1/runs/{captionRun}/captions/{unit}/review", new { verdict = "accurate" })).StatusCode);
        }
        response = await bob.GetAsync($"/api/v1/runs/{captionRun}/caption-reviews");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        stats = (await response.JsonAsync()).GetProperty("stats");
        Assert.Equal(2, stats.GetProperty("captionsReviewedTwice").GetInt32());
        Assert.Equal(JsonValueKind.Null, stats.GetProperty("fleissKappa").ValueKind);
        Assert.Equal(JsonValueKind.Null, stats.GetProperty("pairs")[0].GetProperty("cohenKappa").ValueKind);
    }

    [Fact]
    public async Task RunEvent_WithNaNMetrics_ReachesHubClientAsNull()
    {
        using var factory = new NeuroLabAppFactory(settings: new Dictionary<string, string?> { ["NeuroLab:Compute:RunQueueEnabled"] = "false" });
        var client = factory.CreateClient();
        Assert.True((await client.PostAsJsonAsync("/api/v1/account/register", new { email = "alice@lab.org", password = ApiClient.Password })).IsSuccessStatusCode);
        var token = (await (await client.PostAsJsonAsync("/api/v1/account/login", new { email = "alice@lab.org", password = ApiClient.Password })).JsonAsync()).GetProperty("accessToken").GetString()!;
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        var ws = (await (await client.PostAsJsonAsync("/api/v1/workspaces", new { name = "Live" })).JsonAsync()).GetProperty("id").GetGuid();
        var dataset = await (await client.PostAsJsonAsync($"/api/v1/workspaces/{ws}/datasets", new { sample = "allen-v1" })).JsonAsync();
        var submitted = await client.PostAsJsonAsync($"/api/v1/workspaces/{ws}/runs", new
        {
            kind = "encoding-ridge",
            datasetId = dataset.GetProperty("dataset").GetProperty("id").GetString(),
            parameters = new { responseSetId = dataset.GetProperty("responseSets")[0].GetProperty("id").GetString(), features = "pixels", split = "random", permutations = 0 },
        });
        Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
        var runId = (await submitted.JsonAsync()).GetProperty("id").GetGuid();

        await using var hub = factory.RunsHub(token);
        var received = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.On<JsonElement>("runEvent", e => received.TrySetResult(e));
        await hub.StartAsync();
        await hub.InvokeAsync("JoinRun", runId);
        factory.Services.GetRequiredService<RunEventBus>().Publish(new RunEvent
        {
            RunId = runId, WorkspaceId = ws, Type = "progress", Stage = "fitting", Step = 1, Total = 2,
            EtaSeconds = double.PositiveInfinity,
            Metrics = new Dictionary<string, double> { ["meanTestRSoFar"] = double.NaN, ["loss"] = 0.5 },
            Series = new Dictionary<string, double[]> { ["cv"] = [double.NegativeInfinity, 0.25] },
        });
        var e = await received.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("progress", e.GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.Null, e.GetProperty("metrics").GetProperty("meanTestRSoFar").ValueKind);
        Assert.Equal(0.5, e.GetProperty("metrics").GetProperty("loss").GetDouble());
        Assert.Equal(JsonValueKind.Null, e.GetProperty("etaSeconds").ValueKind);
        Assert.Equal(JsonValueKind.Null, e.GetProperty("series").GetProperty("cv")[0].ValueKind);
    }

    private static async Task<string> RunAsync(HttpClient client, Guid workspace, string datasetId, string kind, object parameters)
    {
        var response = await client.PostAsJsonAsync($"/api/v1/workspaces/{workspace}/runs", new { kind, datasetId, parameters });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = (await response.JsonAsync()).GetProperty("id").GetString()!;
        await ApiClient.WaitForArtifactsAsync(client, id);
        return id;
    }

    private sealed record Sample(double Mean, float Single, double? Maybe, double[] Values, Dictionary<string, double> Metrics);

    /// <summary>Public, concrete, non-generic data types (records, DTOs) with a member that holds doubles or floats.</summary>
    private static bool IsDataTypeWithDoubles(Type type) =>
        type is { IsAbstract: false, IsGenericTypeDefinition: false, IsEnum: false, IsInterface: false }
        && !typeof(Exception).IsAssignableFrom(type) && !typeof(Delegate).IsAssignableFrom(type) && !typeof(IDisposable).IsAssignableFrom(type)
        && !typeof(Microsoft.AspNetCore.Components.IComponent).IsAssignableFrom(type)
        && type.GetConstructors().Length > 0
        && Properties(type).Any(p => CarriesDoubles(p.PropertyType, 0))
        && Properties(type).All(p => IsSerialisable(p.PropertyType));

    private static IEnumerable<PropertyInfo> Properties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0 && p.GetMethod is { IsPublic: true });

    private static bool CarriesDoubles(Type type, int depth)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        if (t == typeof(double) || t == typeof(float))
        {
            return true;
        }
        if (depth > 2 || t == typeof(string) || t.IsPrimitive)
        {
            return false;
        }
        if (ElementType(t) is { } element)
        {
            return CarriesDoubles(element, depth + 1);
        }
        return t.Namespace?.StartsWith("NeuroLab", StringComparison.Ordinal) == true && Properties(t).Any(p => CarriesDoubles(p.PropertyType, depth + 1));
    }

    /// <summary>Types System.Text.Json writes: no multi-dimensional arrays, tensors, streams or reflection objects.</summary>
    private static bool IsSerialisable(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        if (t.IsArray && t.GetArrayRank() > 1)
        {
            return false;
        }
        if (typeof(Stream).IsAssignableFrom(t) || typeof(MemberInfo).IsAssignableFrom(t) || typeof(Delegate).IsAssignableFrom(t) || typeof(IDisposable).IsAssignableFrom(t)
            || t.Namespace?.StartsWith("TorchSharp", StringComparison.Ordinal) == true || t.IsPointer || t.IsByRefLike)
        {
            return false;
        }
        return ElementType(t) is not { } element || IsSerialisable(element);
    }

    private static Type? ElementType(Type t)
    {
        if (t.IsArray)
        {
            return t.GetElementType();
        }
        if (t.IsGenericType && t.GetGenericArguments() is { Length: 1 } one && typeof(IEnumerable).IsAssignableFrom(t))
        {
            return one[0];
        }
        if (t.IsGenericType && t.GetGenericArguments() is { Length: 2 } two && typeof(IEnumerable).IsAssignableFrom(t))
        {
            return two[1];
        }
        return null;
    }

    /// <summary>An instance with every double/float member non-finite (NaN, +Inf, -Inf in turn), or null when the type cannot be built here.</summary>
    private static object? Construct(Type type, int depth)
    {
        if (depth > 4)
        {
            return null;
        }
        var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).FirstOrDefault();
        if (constructor is null)
        {
            return type.IsValueType ? Activator.CreateInstance(type) : null;
        }
        var parameters = constructor.GetParameters();
        var arguments = new object?[parameters.Length];
        for (int i = 0; i < parameters.Length; i++)
        {
            if (!TryValue(parameters[i].ParameterType, depth, i, out arguments[i]))
            {
                return null;
            }
        }
        object instance;
        try
        {
            instance = constructor.Invoke(arguments);
        }
        catch (TargetInvocationException)
        {
            return null;
        }
        int k = 0;
        foreach (var property in Properties(type).Where(p => p.SetMethod is { IsPublic: true }))
        {
            if (TryValue(property.PropertyType, depth, k++, out var value) && (value is not null || !property.PropertyType.IsValueType))
            {
                property.SetValue(instance, value);
            }
        }
        return instance;
    }

    private static bool TryValue(Type type, int depth, int index, out object? value)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        value = null;
        if (t == typeof(double))
        {
            value = NonFinite[index % 3];
        }
        else if (t == typeof(float))
        {
            value = (float)NonFinite[index % 3];
        }
        else if (t == typeof(string))
        {
            value = "x";
        }
        else if (t == typeof(bool))
        {
            value = true;
        }
        else if (t.IsEnum)
        {
            value = Enum.GetValues(t).Cast<object>().FirstOrDefault() ?? Activator.CreateInstance(t);
        }
        else if (t.IsPrimitive || t == typeof(decimal))
        {
            value = Convert.ChangeType(1, t, System.Globalization.CultureInfo.InvariantCulture);
        }
        else if (t == typeof(Guid))
        {
            value = Guid.NewGuid();
        }
        else if (t == typeof(DateTime))
        {
            value = DateTime.UtcNow;
        }
        else if (t == typeof(DateTimeOffset))
        {
            value = DateTimeOffset.UtcNow;
        }
        else if (t == typeof(TimeSpan))
        {
            value = TimeSpan.FromSeconds(1);
        }
        else if (t == typeof(JsonElement))
        {
            value = JsonDocument.Parse("""{"a":1}""").RootElement.Clone();
        }
        else if (t == typeof(object))
        {
            value = NonFinite[index % 3];
        }
        else if (t.IsArray && t.GetArrayRank() == 1)
        {
            var element = t.GetElementType()!;
            var array = Array.CreateInstance(element, 3);
            for (int i = 0; i < 3; i++)
            {
                if (!TryValue(element, depth + 1, i, out var item))
                {
                    return false;
                }
                array.SetValue(item, i);
            }
            value = array;
        }
        else if (t.IsGenericType && t.GetGenericArguments() is { Length: 2 } kv && typeof(IEnumerable).IsAssignableFrom(t))
        {
            var dictionary = (IDictionary)Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(kv))!;
            for (int i = 0; i < 3; i++)
            {
                if (!TryValue(kv[0], depth + 1, i, out var key) || !TryValue(kv[1], depth + 1, i, out var item) || key is null)
                {
                    return false;
                }
                dictionary[kv[0] == typeof(string) ? $"k{i}" : key] = item;
            }
            value = t.IsInstanceOfType(dictionary) ? dictionary : null;
            return value is not null;
        }
        else if (t.IsGenericType && t.GetGenericArguments() is { Length: 1 } one && typeof(IEnumerable).IsAssignableFrom(t))
        {
            var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(one))!;
            for (int i = 0; i < 3; i++)
            {
                if (!TryValue(one[0], depth + 1, i, out var item))
                {
                    return false;
                }
                list.Add(item);
            }
            value = t.IsAssignableFrom(list.GetType()) ? list : null;
            return value is not null;
        }
        else if (t.Namespace?.StartsWith("NeuroLab", StringComparison.Ordinal) == true && !t.IsAbstract && !t.IsInterface)
        {
            value = Construct(t, depth + 1);
            return value is not null;
        }
        else
        {
            return false;
        }
        return true;
    }
}
