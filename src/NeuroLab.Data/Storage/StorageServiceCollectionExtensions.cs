using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace NeuroLab.Data.Storage;

/// <summary>The content store's wiring, shared by the web host and the worker process.</summary>
public static class StorageServiceCollectionExtensions
{
    /// <summary>Default bound of the S3 scratch cache (<c>NeuroLab:Storage:ScratchBytes</c>): 10 GiB.</summary>
    public const long DefaultScratchBytes = 10L << 30;

    /// <summary>
    /// Registers the one <see cref="ContentStore"/>: blobs in <c>&lt;dataDirectory&gt;/store</c>, or in the S3 bucket of
    /// <c>NeuroLab:Storage:S3</c> when its ServiceUrl and Bucket are set (local copies for path-based readers then go to
    /// <c>&lt;dataDirectory&gt;/scratch</c>, trimmed to <c>NeuroLab:Storage:ScratchBytes</c>). Derived caches go to
    /// <c>NeuroLab:Storage:CacheDirectory</c> (default: the store folder, or <c>&lt;dataDirectory&gt;/cache</c> with S3).
    /// A hosted service checks at start-up that the store is reachable.
    /// </summary>
    public static IServiceCollection AddNeuroLabStorage(this IServiceCollection services, IConfiguration configuration, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        dataDirectory = Path.GetFullPath(dataDirectory);
        var storage = configuration.GetSection("NeuroLab:Storage");
        var s3 = storage.GetSection("S3").Get<S3StorageOptions>() ?? new S3StorageOptions();
        var cacheDirectory = storage["CacheDirectory"] is { Length: > 0 } configured ? Path.GetFullPath(configured) : null;
        if (s3.IsConfigured)
        {
            var scratchBytes = storage.GetValue("ScratchBytes", DefaultScratchBytes);
            var scratch = Path.Combine(dataDirectory, "scratch");
            services.AddSingleton(_ => new ContentStore(
                new S3Backend(s3, new ScratchCache(scratch, scratchBytes)),
                Path.Combine(scratch, "uploads"),
                cacheDirectory ?? Path.Combine(dataDirectory, "cache")));
        }
        else
        {
            var root = Path.Combine(dataDirectory, "store");
            services.AddSingleton(_ => new ContentStore(new LocalFolderBackend(root), Path.Combine(root, "tmp"), cacheDirectory ?? root));
        }
        services.AddHostedService<ContentStoreStartupCheck>();
        return services;
    }

    /// <summary>Fails start-up with a message naming the setting when the store cannot be reached.</summary>
    private sealed class ContentStoreStartupCheck(ContentStore store) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => store.EnsureReadyAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
