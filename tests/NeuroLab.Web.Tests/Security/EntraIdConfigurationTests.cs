using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Options;
using NeuroLab.Web.Security;

namespace NeuroLab.Web.Tests.Security;

public sealed class EntraIdConfigurationTests
{
    [Fact]
    public async Task WithoutAzureAdSettings_OnlyLocalAccounts()
    {
        using var factory = new NeuroLabAppFactory();
        var schemes = factory.Services.GetRequiredService<IAuthenticationSchemeProvider>();
        Assert.Null(await schemes.GetSchemeAsync(AuthSchemes.EntraId));
        var page = await factory.CreateClient().GetStringAsync("/Account/Login");
        Assert.DoesNotContain("Entra", page, StringComparison.Ordinal);
        Assert.DoesNotContain("data-testid=\"external-logins\"", page, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("6f1c8b1e-0000-4000-8000-000000000001", "")]
    [InlineData("", "contoso.onmicrosoft.com")]
    public async Task PartialAzureAdSettings_DoNotEnableEntraId(string clientId, string tenantId)
    {
        using var factory = new NeuroLabAppFactory(settings: new Dictionary<string, string?> { ["AzureAd:ClientId"] = clientId, ["AzureAd:TenantId"] = tenantId });
        var schemes = factory.Services.GetRequiredService<IAuthenticationSchemeProvider>();
        Assert.Null(await schemes.GetSchemeAsync(AuthSchemes.EntraId));
        // And every request still works (an empty AzureAd section must not break the app).
        Assert.Equal("Healthy", await factory.CreateClient().GetStringAsync("/healthz"));
    }

    [Fact]
    public async Task WithClientAndTenant_EntraIdIsAnExternalLogin()
    {
        using var factory = new NeuroLabAppFactory(settings: new Dictionary<string, string?>
        {
            ["AzureAd:ClientId"] = "6f1c8b1e-0000-4000-8000-000000000001",
            ["AzureAd:TenantId"] = "contoso.onmicrosoft.com",
            ["AzureAd:Instance"] = "https://login.microsoftonline.com/",
        });
        var schemes = factory.Services.GetRequiredService<IAuthenticationSchemeProvider>();
        var scheme = await schemes.GetSchemeAsync(AuthSchemes.EntraId);
        Assert.NotNull(scheme);
        Assert.Equal(typeof(OpenIdConnectHandler), scheme.HandlerType);
        var oidc = factory.Services.GetRequiredService<IOptionsMonitor<OpenIdConnectOptions>>().Get(AuthSchemes.EntraId);
        Assert.Equal(Microsoft.AspNetCore.Identity.IdentityConstants.ExternalScheme, oidc.SignInScheme);
        Assert.Equal("6f1c8b1e-0000-4000-8000-000000000001", oidc.ClientId);
        Assert.StartsWith("https://login.microsoftonline.com/contoso.onmicrosoft.com", oidc.Authority, StringComparison.Ordinal);

        var client = factory.CreateClient();
        var response = await client.GetAsync("/Account/Login");
        var page = await response.Content.ReadAsStringAsync();
        Assert.Contains("Sign in with Microsoft Entra ID", page, StringComparison.Ordinal);
        Assert.Contains("https://login.microsoftonline.com", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        // Local accounts keep working beside it.
        await factory.RegisterAndSignInAsync("local@lab.org");
    }
}
