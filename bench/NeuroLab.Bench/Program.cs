using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using NeuroLab.Bench;

// Each measured case runs in a fresh child process so its peak resident memory (VmHWM) is its own.
var suite = args.FirstOrDefault() ?? "help";
switch (suite)
{
    case "formats":
        FormatsBench.Run();
        break;
    case "catalogue":
        await CatalogueBench.RunAsync();
        break;
    case "captions":
        CaptionsBench.Run();
        break;
    case "decoder":
        DecoderBench.Run();
        break;
    case "hostile":
        HostileFilesBench.Run(args.Length > 1 ? args[1] : null);
        break;
    case "hostile-write":
        HostileFilesBench.WriteAll(args[1]);
        break;
    case "ridge":
        RidgeBench.Fit(args[1], args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : null, wholeBrain: false);
        break;
    case "ridge-wholebrain":
        RidgeBench.Fit(args[1], null, wholeBrain: true);
        break;
    case "ridge-generate":
        RidgeBench.Generate(args[1], args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20000);
        break;
    case "features":
        FeaturesBench.Compare(args[1], args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : null);
        break;
    case "features-ours" or "features-plain" or "features-mlnet":
        await FeaturesBench.CaseAsync(suite, args[1], int.Parse(args[2], CultureInfo.InvariantCulture));
        break;
    case "case":
        var result = await Cases.RunAsync(args[1], args.Skip(2).ToArray());
        Console.WriteLine(JsonSerializer.Serialize(result with { PeakRssMiB = Memory.PeakRssMiB() }));
        break;
    default:
        Console.WriteLine("usage: NeuroLab.Bench formats | catalogue | captions | decoder | hostile [format] | hostile-write DIR | ridge-generate DIR [units] | ridge DIR [units] | ridge-wholebrain DIR | features IMAGE_DIR [count]");
        break;
}

namespace NeuroLab.Bench
{
    /// <summary>One measurement: what, how long, how much memory at peak.</summary>
    public sealed record Measurement(string Name, double Seconds, double PeakRssMiB, string Detail);

    internal static class Memory
    {
        /// <summary>Peak resident set size of this process (VmHWM in /proc/self/status), in MiB.</summary>
        public static double PeakRssMiB()
        {
            var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? double.NaN : double.Parse(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
        }
    }

    internal static class Child
    {
        /// <summary>Runs "case name args..." in a new process of this benchmark and returns its measurement.</summary>
        public static Measurement Run(string name, params string[] args) => Run<Measurement>(name, ["case", name, .. args]);

        /// <summary>Runs this benchmark with <paramref name="args"/> in a new process and returns the last JSON line it printed.</summary>
        public static T Run<T>(string name, params string[] args)
        {
            var self = Environment.ProcessPath!;
            var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true };
            if (self.EndsWith("dotnet", StringComparison.Ordinal))
            {
                start.ArgumentList.Add(typeof(Child).Assembly.Location);
            }
            foreach (var a in args)
            {
                start.ArgumentList.Add(a);
            }
            start.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEnd();
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            var json = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(l => l.StartsWith('{'));
            return json is null
                ? throw new InvalidOperationException($"case {name} failed ({process.ExitCode}): {error}{output}")
                : JsonSerializer.Deserialize<T>(json)!;
        }

        public static void PrintTable(string title, IEnumerable<Measurement> rows)
        {
            Console.WriteLine();
            Console.WriteLine(title);
            Console.WriteLine($"| {"case",-44} | {"seconds",9} | {"peak RSS MiB",12} | detail");
            Console.WriteLine($"|{new string('-', 46)}|{new string('-', 11)}|{new string('-', 14)}|--------");
            foreach (var r in rows)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {r.Name,-44} | {r.Seconds,9:0.000} | {r.PeakRssMiB,12:0} | {r.Detail}"));
            }
        }
    }
}
