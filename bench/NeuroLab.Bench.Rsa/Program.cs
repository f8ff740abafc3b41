using System.Diagnostics;
using System.Globalization;
using NeuroLab.Analysis.Rsa;

namespace NeuroLab.Bench.Rsa;

/// <summary>
/// RSA speed benchmark: for each condition count n, the correlation-distance RDM of random patterns [n, p], then a
/// bootstrap over stimuli of 10 random model RDMs against it under Spearman and Kendall tau-a. Each case runs in a
/// child process of its own so that the peak working set (VmHWM) belongs to that case alone.
/// Usage: <c>dotnet run -c Release --project bench/NeuroLab.Bench.Rsa -- [n ...] [--resamples 1000] [--p 1000] [--models 10] [--methods Spearman,KendallTauA]</c>.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        var ns = new List<int>();
        int resamples = 1000, p = 1000, models = 10;
        string? one = null;
        var methods = new[] { RdmComparisonMethod.Spearman, RdmComparisonMethod.KendallTauA };
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--resamples": resamples = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--p": p = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--models": models = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--one": one = args[++i]; break;
                case "--methods": methods = [.. args[++i].Split(',').Select(Enum.Parse<RdmComparisonMethod>)]; break;
                default: ns.Add(int.Parse(args[i], CultureInfo.InvariantCulture)); break;
            }
        }
        if (one is not null)
        {
            var parts = one.Split(':');
            RunCase(int.Parse(parts[0], CultureInfo.InvariantCulture), Enum.Parse<RdmComparisonMethod>(parts[1]), p, models, resamples);
            return 0;
        }
        if (ns.Count == 0)
        {
            ns = [92, 1750];
        }
        Console.WriteLine($"RSA bench: patterns [n, {p}] -> correlation RDM; bootstrap over stimuli, {resamples} resamples, {models} models; {Environment.ProcessorCount} cores");
        Console.WriteLine($"{"n",6} {"method",-12} {"RDM s",8} {"bootstrap s",12} {"ms/resample",12} {"peak MiB",9}");
        foreach (int n in ns)
        {
            foreach (var method in methods)
            {
                var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
                if (!Environment.ProcessPath!.EndsWith("NeuroLab.Bench.Rsa", StringComparison.Ordinal))
                {
                    start.ArgumentList.Add(typeof(Program).Assembly.Location);
                }
                foreach (var a in new[] { "--one", $"{n}:{method}", "--p", $"{p}", "--models", $"{models}", "--resamples", $"{resamples}" })
                {
                    start.ArgumentList.Add(a);
                }
                using var child = Process.Start(start)!;
                string line = child.StandardOutput.ReadToEnd().Trim();
                child.WaitForExit();
                var f = line.Split(' ');
                double rdm = double.Parse(f[0], CultureInfo.InvariantCulture), boot = double.Parse(f[1], CultureInfo.InvariantCulture);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{n,6} {method,-12} {rdm,8:F2} {boot,12:F1} {1000 * boot / resamples,12:F1} {f[2],9}"));
            }
        }
        return 0;
    }

    private static void RunCase(int n, RdmComparisonMethod method, int p, int modelCount, int resamples)
    {
        var rng = new Random(14);
        var patterns = new float[n * p];
        for (int i = 0; i < patterns.Length; i++)
        {
            patterns[i] = (float)rng.NextDouble();
        }
        var clock = Stopwatch.StartNew();
        var data = Rdm.Correlation(patterns, n, p);
        double rdmSeconds = clock.Elapsed.TotalSeconds;
        // Models: the data plus growing noise, so that the comparisons are not all near 0.
        var models = Enumerable.Range(0, modelCount)
            .Select(k => data.Select(v => v + ((k + 1) * 0.01 * rng.NextDouble())).ToArray())
            .ToArray();
        clock.Restart();
        var result = RsaInference.Bootstrap(models, [data], method, BootstrapOver.Stimuli, resamples, 7);
        double bootSeconds = clock.Elapsed.TotalSeconds;
        GC.KeepAlive(result);
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{rdmSeconds:F3} {bootSeconds:F3} {self.PeakWorkingSet64 / (1024 * 1024)}"));
    }
}
