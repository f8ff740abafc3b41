using Microsoft.Extensions.DependencyInjection.Extensions;

namespace NeuroLab.Web.Reports;

/// <summary>Registration of run reports.</summary>
public static class RunReportServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="RunReportService"/> and, unless one is registered already, a discussion without threads
    /// (annotations register theirs with <c>AddScoped&lt;IRunReportDiscussion, ...&gt;()</c>, before or after this).
    /// </summary>
    public static IServiceCollection AddRunReports(this IServiceCollection services)
    {
        services.AddScoped<RunReportService>();
        services.TryAddScoped<IRunReportDiscussion, NoRunReportDiscussion>();
        return services;
    }
}
