using Microsoft.Playwright;

namespace NeuroLab.E2E;

/// <summary>
/// One app server (Kestrel on 127.0.0.1, temporary data) and one headless Debian Chromium for the
/// whole class. Playwright's own browser download is never used: this machine has no internet.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public NeuroLabAppFactory App { get; } = new(useKestrel: true);

    public IPlaywright Playwright { get; private set; } = default!;

    public IBrowser Browser { get; private set; } = default!;

    public Uri BaseAddress { get; private set; } = default!;

    /// <summary>Where screenshots go: $NEUROLAB_TEST_ARTIFACTS, else &lt;repo&gt;/test-artifacts/screenshots.</summary>
    public static string ScreenshotDirectory
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable("NEUROLAB_TEST_ARTIFACTS");
            var root = string.IsNullOrEmpty(configured) ? Path.Combine(FindRepoRoot(), "test-artifacts") : configured;
            var dir = Path.Combine(root, "screenshots");
            Directory.CreateDirectory(dir);
            return dir;
        }
    }

    public async Task InitializeAsync()
    {
        BaseAddress = App.ServerAddress;
        var executable = Environment.GetEnvironmentVariable("NEUROLAB_CHROMIUM") ?? "/usr/bin/chromium";
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException($"Chromium not found at {executable}. Install it with `apt-get install -y chromium` (the .ci/run script does).");
        }
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = executable,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
            ],
        });
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        Playwright.Dispose();
        await App.DisposeAsync();
    }

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "NeuroLab.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? Path.GetTempPath();
    }
}
