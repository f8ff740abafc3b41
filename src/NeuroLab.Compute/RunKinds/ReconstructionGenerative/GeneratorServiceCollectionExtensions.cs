using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace NeuroLab.Compute.RunKinds.ReconstructionGenerative;

/// <summary>Wiring of the external generator: options from <see cref="GeneratorOptions.SectionName"/> (checked at start-up) and the named HttpClient.</summary>
public static class GeneratorServiceCollectionExtensions
{
    public static IServiceCollection AddGenerator(this IServiceCollection services)
    {
        services.AddOptions<GeneratorOptions>().BindConfiguration(GeneratorOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GeneratorOptions>, GeneratorOptionsValidator>());
        // Each request has its own deadline (TimeoutSeconds) linked to the run's cancellation. Redirects are not followed:
        // the server talks to the configured endpoint only (a 3xx fails the run like any other non-2xx answer).
        services.AddHttpClient(GeneratorClient.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        services.TryAddSingleton<GeneratorClient>();
        return services;
    }

    private sealed class GeneratorOptionsValidator : IValidateOptions<GeneratorOptions>
    {
        public ValidateOptionsResult Validate(string? name, GeneratorOptions options) =>
            options.Problems() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }
}
