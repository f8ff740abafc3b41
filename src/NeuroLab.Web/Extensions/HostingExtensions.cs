using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Identity.Web;
using MudBlazor.Services;
using NeuroLab.Compute.Extensions;
using NeuroLab.Compute.RunKinds;
using NeuroLab.Web.Components.Runs;
using NeuroLab.Data;
using NeuroLab.Data.Extensions;
using NeuroLab.Data.Identity;
using NeuroLab.Data.Workspaces;
using NeuroLab.Web.Api;
using NeuroLab.Web.Components;
using NeuroLab.Web.Components.Account;
using NeuroLab.Web.Security;

namespace NeuroLab.Web.Extensions;

/// <summary>All of the web app's wiring, so Program.cs reads as a table of contents.</summary>
public static class HostingExtensions
{
    /// <summary>
    /// Reads the repository-root appsettings.json that the build copies next to the app, at the same
    /// precedence as a content-root appsettings.json (environment variables and arguments still win).
    /// </summary>
    public static void AddNeuroLabConfiguration(this WebApplicationBuilder builder)
    {
        var copied = Path.Combine(AppContext.BaseDirectory, "appsettings.json");
        var contentRootFile = Path.Combine(builder.Environment.ContentRootPath, "appsettings.json");
        if (!File.Exists(copied) || File.Exists(contentRootFile))
        {
            return;
        }
        var sources = builder.Configuration.Sources;
        var defaultJson = sources.OfType<JsonConfigurationSource>().FirstOrDefault(s => s.Path == "appsettings.json");
        var source = new JsonConfigurationSource { Path = copied, Optional = true, ReloadOnChange = false };
        source.ResolveFileProvider();
        sources.Insert(defaultJson is null ? 0 : sources.IndexOf(defaultJson), source);
    }

    /// <summary>Registers data, identity, security, UI and API services.</summary>
    public static void AddNeuroLabServices(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        var section = configuration.GetSection(NeuroLabOptions.SectionName);
        services.Configure<NeuroLabOptions>(section);
        var options = section.Get<NeuroLabOptions>() ?? new NeuroLabOptions();
        var security = options.Security;

        services.AddSingleton(TimeProvider.System);
        AddDatabase(services, configuration, options);
        AddIdentity(services, configuration, security);

        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.AddScoped<WorkspaceService>();
        services.AddScoped<NeuroLab.Data.Audit.ActivityService>();
        services.AddScoped<NeuroLab.Data.Datasets.DatasetService>();
        services.AddSingleton(new NeuroLab.Compute.Datasets.InspectionGate(options.Uploads.ToLimits(), options.Uploads.MaxConcurrentInspections));
        services.AddScoped<NeuroLab.Compute.Datasets.UploadService>();
        services.AddScoped<NeuroLab.Web.Datasets.PreviewService>();
        services.AddMemoryCache(o => o.SizeLimit = 2000);
        services.AddScoped(sp => new NeuroLab.Compute.Datasets.DatasetImporter(
            sp.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<NeuroLabDbContext>>(),
            sp.GetRequiredService<WorkspaceService>(),
            sp.GetRequiredService<NeuroLab.Data.Datasets.DatasetService>(),
            sp.GetRequiredService<NeuroLab.Data.Storage.ContentStore>(),
            sp.GetRequiredService<TimeProvider>(),
            options.Storage.WorkspaceQuotaBytes,
            sp.GetRequiredService<NeuroLab.Compute.Datasets.InspectionGate>(),
            sp.GetRequiredService<NeuroLab.Data.Storage.UserLimits>()));
        services.AddSingleton(new NeuroLab.Data.Storage.UserLimits { MaxWorkspacesPerUser = options.Storage.MaxWorkspacesPerUser, UserQuotaBytes = options.Storage.UserQuotaBytes });
        services.AddHttpClient<NeuroLab.Compute.Samples.SampleFetcher>()
            .AddTypedClient((http, _) => new NeuroLab.Compute.Samples.SampleFetcher(http,
                string.IsNullOrWhiteSpace(options.Samples.MirrorDirectory) ? null : Path.GetFullPath(options.Samples.MirrorDirectory)));
        services.AddScoped<NeuroLab.Compute.Samples.SampleImportService>();
        AddCompute(services, configuration);
        var dataDirectory = Path.GetFullPath(options.DataDirectory);
        NeuroLab.Data.Storage.StorageServiceCollectionExtensions.AddNeuroLabStorage(services, configuration, dataDirectory);
        services.AddSingleton(NeuroLab.Compute.Samples.SampleCatalogue.LoadBuiltIn());
        services.AddSingleton(sp => new NeuroLab.Web.Viewer.VolumeSampler(sp.GetRequiredService<NeuroLab.Data.Storage.ContentStore>(), limits: options.Uploads.ToLimits()));
        services.AddScoped<NeuroLab.Web.Viewer.ViewerService>();
        services.AddScoped<NeuroLab.Web.Captions.CaptionService>();
        services.AddScoped<NeuroLab.Web.Captions.CaptionReviewService>();
        services.AddScoped<NeuroLab.Web.Annotations.AnnotationService>();
        services.AddSingleton<NeuroLab.Web.Hubs.HubGroupRegistry>();
        services.AddScoped<NeuroLab.Web.Annotations.AnnotationMarkers>();
        services.AddScoped<NeuroLab.Web.Reports.IRunReportDiscussion, NeuroLab.Web.Annotations.AnnotationReportDiscussion>();
        services.AddScoped<NeuroLab.Web.Reconstructions.ReconstructionGalleryService>();
        services.AddScoped<NeuroLab.Web.Networks.NetworkViewService>();
        NeuroLab.Web.Reports.RunReportServiceCollectionExtensions.AddRunReports(services);
        services.AddScoped<ApiTokenService>();
        services.AddScoped<Components.Layout.WorkspaceNavigation>();

        services.AddOpenApi(o =>
        {
            o.AddDocumentTransformer<BearerSecuritySchemeTransformer>();
            o.AddDocumentTransformer<RunKindSchemasTransformer>();
        });
        services.AddProblemDetails(o => o.CustomizeProblemDetails = BadRequestMessages.AddMissingDetail);
        services.ConfigureHttpJsonOptions(o =>
        {
            // Undefined statistics (NaN, infinities) answer as null instead of failing the response.
            NeuroLab.Data.Serialization.NeuroLabJson.AddNonFiniteConverters(o.SerializerOptions);
            o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter());
        });
        services.AddExceptionHandler<ApiExceptionHandler>();
        // Bad JSON, missing bodies and unparsable parameters throw, so ApiExceptionHandler can say what is wrong.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");

        // Sign-in endpoints opt in to this policy (RequireRateLimiting / [EnableRateLimiting]).
        services.AddRateLimiter(o => o.AddSignInPolicy(security));
        services.AddNeuroLabForwardedHeaders(security.ForwardedHeaders);

        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = security.MaxRequestBodyBytes);
        services.Configure<FormOptions>(f => f.MultipartBodyLengthLimit = security.MaxRequestBodyBytes);
        services.AddAntiforgery(a =>
        {
            a.Cookie.Name = "NeuroLab.Antiforgery";
            a.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
    }

    /// <summary>The in-process compute host (see AddNeuroLabCompute), the chat models captions may use, and the SignalR forwarder.</summary>
    private static void AddCompute(IServiceCollection services, IConfiguration configuration)
    {
        // Run and workspace events: in-process, or across web instances and workers through Redis (NeuroLab:Events:Redis).
        services.AddNeuroLabEvents(configuration);
        services.AddWorkspaceEventData<Viewer.ViewerState>();
        services.AddWorkspaceEventData<Rsa.TrsaState>();
        services.AddWorkspaceEventData<Captions.CaptionReviewView>();
        services.AddNeuroLabCompute();
        // Workers mode (NeuroLab:Compute:Mode = workers): submitting only enqueues a Hangfire job for a compute worker.
        NeuroLab.Compute.Workers.WorkerServiceCollectionExtensions.AddNeuroLabRunDispatch(services, configuration);
        // How the pages show each kind (kinds without a view get the generic form and result panel).
        services.AddRunKindView(RunKindNames.EncodingRidge, typeof(EncodingRidgeForm), typeof(EncodingRidgeResultPanel));
        services.AddRunKindView(RunKindNames.EncodingReadout, typeof(EncodingReadoutForm), typeof(EncodingResultPanel));
        services.AddRunKindView(RunKindNames.EncodingHierarchy, result: typeof(EncodingHierarchyResultPanel));
        services.AddRunKindView(RunKindNames.VoxelCaptions, result: typeof(VoxelCaptionsResultPanel));
        services.AddRunKindView(RunKindNames.ReconstructionRidge, result: typeof(Components.Runs.Reconstructions.ReconstructionResultPanel));
        services.AddRunKindView(RunKindNames.ReconstructionFeatures, result: typeof(Components.Runs.Reconstructions.ReconstructionResultPanel));
        services.AddRunKindView(RunKindNames.ReconstructionDecoder, result: typeof(Components.Runs.Reconstructions.ReconstructionDecoderPanel));
        services.AddRunKindView(RunKindNames.ReconstructionGenerative, result: typeof(Components.Runs.Reconstructions.ReconstructionResultPanel));
        services.AddRunKindView(RunKindNames.Rsa, result: typeof(Components.Runs.Rsa.RsaResultPanel));
        services.AddScoped<Rsa.RsaRunViews>();
        services.AddSingleton<Rsa.RsaThresholds>();
        services.AddRunKindView(RunKindNames.Networks, result: typeof(Components.Runs.NetworksResultPanel));
        services.AddRunKindView(RunKindNames.Decoding, result: typeof(Components.Runs.Decoding.DecodingResultPanel));
        // A chat model for voxel captions (composer = llm) only when an endpoint and a model are configured.
        var captions = configuration.GetSection("NeuroLab:Captions");
        if (!string.IsNullOrWhiteSpace(captions["ChatEndpoint"]) && !string.IsNullOrWhiteSpace(captions["ChatModel"]))
        {
            var endpoint = new Uri(captions["ChatEndpoint"]!);
            var model = captions["ChatModel"]!;
            var key = string.IsNullOrWhiteSpace(captions["ChatApiKey"]) ? "not-needed" : captions["ChatApiKey"]!;
            services.AddSingleton<Microsoft.Extensions.AI.IChatClient>(_ =>
                Microsoft.Extensions.AI.OpenAIClientExtensions.AsIChatClient(new OpenAI.Chat.ChatClient(model, new System.ClientModel.ApiKeyCredential(key), new OpenAI.OpenAIClientOptions { Endpoint = endpoint })));
        }
        // An embedding model for caption evaluation (TF-IDF otherwise), on the same endpoint.
        if (!string.IsNullOrWhiteSpace(captions["ChatEndpoint"]) && !string.IsNullOrWhiteSpace(captions["EmbeddingModel"]))
        {
            var endpoint = new Uri(captions["ChatEndpoint"]!);
            var model = captions["EmbeddingModel"]!;
            var key = string.IsNullOrWhiteSpace(captions["ChatApiKey"]) ? "not-needed" : captions["ChatApiKey"]!;
            services.AddSingleton<Microsoft.Extensions.AI.IEmbeddingGenerator<string, Microsoft.Extensions.AI.Embedding<float>>>(_ =>
                Microsoft.Extensions.AI.OpenAIClientExtensions.AsIEmbeddingGenerator(new OpenAI.Embeddings.EmbeddingClient(model, new System.ClientModel.ApiKeyCredential(key), new OpenAI.OpenAIClientOptions { Endpoint = endpoint })));
        }
        services.AddSignalR(o => o.MaximumReceiveMessageSize = 32 * 1024)
            .AddJsonProtocol(o => NeuroLab.Data.Serialization.NeuroLabJson.AddNonFiniteConverters(o.PayloadSerializerOptions));
        services.AddHostedService<NeuroLab.Web.Hubs.RunHubForwarder>();
        services.AddSingleton<NeuroLab.Web.Collaboration.PresenceTracker>();
        if (!string.IsNullOrWhiteSpace(configuration[EventsServiceCollectionExtensions.RedisKey]))
        {
            // Several instances: each tells the others who is on its pages (docs/decisions/018-events-across-processes.md).
            services.AddWorkspaceEventData<NeuroLab.Web.Collaboration.InstancePresence>();
            services.AddOptions<NeuroLab.Web.Collaboration.PresenceExchangeOptions>().BindConfiguration(NeuroLab.Web.Collaboration.PresenceExchangeOptions.Section);
            services.AddHostedService<NeuroLab.Web.Collaboration.PresenceExchange>();
        }
        services.AddSingleton<NeuroLab.Web.Collaboration.ViewerStateRelay>();
    }

    private static void AddDatabase(IServiceCollection services, IConfiguration configuration, NeuroLabOptions options)
    {
        // NeuroLab:Database:Provider (sqlite | postgresql) and ConnectionStrings:NeuroLab; workers share this wiring.
        // Every saved feed entry is published live (type "activity") by the interceptor.
        services.AddSingleton<NeuroLab.Compute.Events.ActivityEventPublisher>();
        var dataDirectory = Path.GetFullPath(options.DataDirectory);
        services.AddNeuroLabDatabase(configuration, dataDirectory,
            (sp, o) => o.AddInterceptors(sp.GetRequiredService<NeuroLab.Compute.Events.ActivityEventPublisher>()));
        // Keys that protect cookies and tokens survive restarts, so people stay signed in. On PostgreSQL every web
        // instance reads the same keys from the database (a cookie from one instance works on the others); SQLite
        // keeps the files it always had, so existing installs keep their sign-ins.
        var dataProtection = services.AddDataProtection().SetApplicationName("NeuroLab");
        if (DatabaseSettings.ProviderFrom(configuration) == DatabaseProvider.PostgreSql)
        {
            dataProtection.PersistKeysToDbContext<NeuroLabDbContext>();
        }
        else
        {
            dataProtection.PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataDirectory, "keys")));
        }
    }

    private static void AddIdentity(IServiceCollection services, IConfiguration configuration, SecurityOptions security)
    {
        services.AddCascadingAuthenticationState();
        services.AddScoped<IdentityRedirectManager>();
        services.AddScoped<AuthenticationStateProvider, IdentityRevalidatingAuthenticationStateProvider>();

        var authentication = services.AddAuthentication(o =>
            {
                o.DefaultScheme = AuthSchemes.Smart;
                o.DefaultSignInScheme = IdentityConstants.ExternalScheme;
            })
            // No display name: schemes with one are offered as "Sign in with ..." buttons.
            .AddPolicyScheme(AuthSchemes.Smart, displayName: null, o => o.ForwardDefaultSelector = AuthSchemes.Select)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, PersonalAccessTokenHandler>(AuthSchemes.PersonalAccessToken, null)
            .AddBearerToken(IdentityConstants.BearerScheme, o =>
            {
                o.BearerTokenExpiration = TimeSpan.FromMinutes(Math.Max(1, security.AccessTokenMinutes));
                // SignalR clients send the token in the query string on WebSocket upgrades.
                o.Events.OnMessageReceived = c =>
                {
                    c.Token ??= c.Request.Path.StartsWithSegments("/hubs") ? AuthSchemes.BearerToken(c.Request) : null;
                    return Task.CompletedTask;
                };
            });
        authentication.AddIdentityCookies();

        services.ConfigureApplicationCookie(o =>
        {
            o.Cookie.Name = "NeuroLab.Auth";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.ExpireTimeSpan = TimeSpan.FromHours(12);
            o.SlidingExpiration = true;
            o.LoginPath = "/Account/Login";
            o.AccessDeniedPath = "/Account/AccessDenied";
            // Scripts calling the API get status codes, not redirects to an HTML sign-in page.
            o.Events.OnRedirectToLogin = c => ApiAwareRedirect(c.HttpContext, c.RedirectUri, StatusCodes.Status401Unauthorized);
            o.Events.OnRedirectToAccessDenied = c => ApiAwareRedirect(c.HttpContext, c.RedirectUri, StatusCodes.Status403Forbidden);
        });
        services.ConfigureExternalCookie(o =>
        {
            o.Cookie.HttpOnly = true;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });

        var azureAd = configuration.GetSection("AzureAd");
        if (EntraIdConfigured(configuration))
        {
            // Entra ID is an external login: the OIDC result lands in Identity's external cookie, and
            // ExternalLogin.razor links it to a local account, so workspaces and tokens work the same.
            authentication.AddMicrosoftIdentityWebApp(azureAd, openIdConnectScheme: AuthSchemes.EntraId, cookieScheme: null, displayName: "Microsoft Entra ID");
            services.PostConfigure<OpenIdConnectOptions>(AuthSchemes.EntraId, o => o.SignInScheme = IdentityConstants.ExternalScheme);
        }

        services.AddIdentityCore<ApplicationUser>(o =>
            {
                o.SignIn.RequireConfirmedAccount = false;
                o.User.RequireUniqueEmail = true;
                o.Password.RequiredLength = Math.Max(8, security.MinPasswordLength);
                o.Password.RequireNonAlphanumeric = false;
                o.Password.RequireUppercase = false;
                o.Password.RequireLowercase = false;
                o.Password.RequireDigit = false;
                o.Password.RequiredUniqueChars = 4;
                o.Lockout.AllowedForNewUsers = true;
                o.Lockout.MaxFailedAccessAttempts = Math.Max(1, security.LockoutMaxFailedAttempts);
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(Math.Max(1, security.LockoutMinutes));
            })
            .AddEntityFrameworkStores<NeuroLabDbContext>()
            // Sessions of locked-out accounts end (refresh, cookie and bearer checks share this).
            .AddSignInManager<NeuroLabSignInManager>()
            // NIST SP 800-63B: refuse common, patterned and context-based passwords (no composition rules).
            .AddPasswordValidator<Security.Passwords.WeakPasswordValidator>()
            .AddDefaultTokenProviders();
    }

    /// <summary>True when both <c>AzureAd:ClientId</c> and <c>AzureAd:TenantId</c> are set.</summary>
    public static bool EntraIdConfigured(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration["AzureAd:ClientId"]) && !string.IsNullOrWhiteSpace(configuration["AzureAd:TenantId"]);

    private static Task ApiAwareRedirect(HttpContext context, string redirectUri, int apiStatus)
    {
        if (context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/hubs"))
        {
            context.Response.StatusCode = apiStatus;
        }
        else
        {
            context.Response.Redirect(redirectUri);
        }
        return Task.CompletedTask;
    }

    /// <summary>Applies EF Core migrations of the configured provider (see MigrateNeuroLabDatabaseAsync in NeuroLab.Data).</summary>
    public static Task MigrateNeuroLabDatabaseAsync(this WebApplication app) => app.Services.MigrateNeuroLabDatabaseAsync();

    /// <summary>Middleware order: forwarded headers, errors, status pages, security headers, rate limits, auth, account check, antiforgery.</summary>
    public static void UseNeuroLabPipeline(this WebApplication app)
    {
        var security = app.Configuration.GetSection(NeuroLabOptions.SectionName).Get<NeuroLabOptions>()?.Security ?? new SecurityOptions();
        app.UseNeuroLabForwardedHeaders(security.ForwardedHeaders);
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandlingPath = "/Error",
            CreateScopeForErrors = true,
            // A malformed request to a page's endpoint (e.g. a form without its fields) is the client's 400, not a 500.
            StatusCodeSelector = e => e is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
        });
        // Sent only on HTTPS requests (after forwarded headers), never for localhost.
        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts();
        }
        // Pages answer empty 4xx/5xx with the "not found" page; the API answers them with problem details.
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.Use((context, next) =>
        {
            if ((IsApi(context.Request) || context.Request.Path.StartsWithSegments("/hubs")) && context.Features.Get<IStatusCodePagesFeature>() is { } pages)
            {
                pages.Enabled = false;
            }
            return next(context);
        });
        app.UseWhen(c => IsApi(c.Request), api => api.UseStatusCodePages());

        var formActions = new List<string>();
        if (EntraIdConfigured(app.Configuration))
        {
            var instance = app.Configuration["AzureAd:Instance"] ?? "https://login.microsoftonline.com/";
            formActions.Add(new Uri(instance).GetLeftPart(UriPartial.Authority));
        }
        app.UseMiddleware<SecurityHeaders>(SecurityHeaders.BuildPolicy(formActions));
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseMiddleware<ActiveAccountCheck>();
        app.UseAuthorization();
        app.UseAntiforgery();
    }

    /// <summary>Static assets, Blazor, account endpoints, REST API, OpenAPI and health.</summary>
    public static void MapNeuroLabEndpoints(this WebApplication app)
    {
        app.MapStaticAssets();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        app.MapAdditionalIdentityEndpoints();
        app.MapOpenApi();
        app.MapNeuroLabApi(app.Configuration);
        app.MapHealthChecks("/healthz").AllowAnonymous();
        app.MapHub<NeuroLab.Web.Hubs.RunsHub>("/hubs/runs");
    }

    private static bool IsApi(HttpRequest request) => request.Path.StartsWithSegments("/api");
}
