using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace NeuroLab.Tests.Shared;

/// <summary>Small helpers for driving the REST API as a script would.</summary>
public static class ApiClient
{
    public const string Password = "correct horse battery staple";

    /// <summary>Registers <paramref name="email"/>, signs in, and returns a client carrying its bearer token.</summary>
    public static async Task<HttpClient> RegisterAndSignInAsync(this Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> factory, string email)
    {
        var client = factory.CreateClient();
        var register = await client.PostAsJsonAsync("/api/v1/account/register", new { email, password = Password });
        register.EnsureSuccessStatusCode();
        var login = await client.PostAsJsonAsync("/api/v1/account/login", new { email, password = Password });
        login.EnsureSuccessStatusCode();
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Polls a run until it has finished, then returns its artifacts (fails when the run failed).</summary>
    public static async Task<List<JsonElement>> WaitForArtifactsAsync(HttpClient client, string runId)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (DateTime.UtcNow < deadline)
        {
            var run = await (await client.GetAsync($"/api/v1/runs/{runId}")).JsonAsync();
            var status = run.GetProperty("status").GetString();
            if (status is "failed" or "cancelled")
            {
                throw new InvalidOperationException($"Run {runId} ended {status}: {run.GetProperty("error")}");
            }
            if (status == "succeeded")
            {
                return [.. (await (await client.GetAsync($"/api/v1/runs/{runId}/artifacts")).JsonAsync()).EnumerateArray()];
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"Run {runId} did not finish.");
    }

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>();
}
