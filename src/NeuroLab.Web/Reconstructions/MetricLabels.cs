using System.Globalization;

namespace NeuroLab.Web.Reconstructions;

/// <summary>How the pages name and print the metrics.csv columns of reconstruction runs.</summary>
public static class MetricLabels
{
    public static string Label(string metric) => metric switch
    {
        "pixcorr" => "PixCorr",
        "ssim" => "SSIM",
        "mse" => "MSE",
        "identification_pixels" => "2-way id",
        "retrieval_rank" => "rank",
        "top1" => "top-1",
        "top5" => "top-5",
        _ => metric,
    };

    public static string Format(string metric, double value) => double.IsNaN(value) ? "–"
        : metric is "retrieval_rank" or "top1" or "top5" ? value.ToString("0", CultureInfo.InvariantCulture)
        : value.ToString("0.000", CultureInfo.InvariantCulture);
}
