using System.Diagnostics;
using NeuroLab.Formats;
using NeuroLab.Formats.Inspection;
using NeuroLab.Tests.Shared;

namespace NeuroLab.Bench;

/// <summary>
/// Peak memory of upload inspection and previews on decompression bombs (issue 9): for each format a small file
/// whose header declares about 2 GB of decoded data (images: 13000 x 13000 RGB), inspected, previewed and
/// histogrammed in a fresh process the way the server does for a staged upload. Run:
/// <c>dotnet run -c Release --project bench/NeuroLab.Bench -- hostile</c>.
/// </summary>
internal static class HostileFilesBench
{
    public static void Run(string? only)
    {
        var folder = Directory.CreateTempSubdirectory("neurolab-hostile-");
        try
        {
            var rows = new List<Measurement>();
            foreach (var (format, fileName) in HostileFiles.All.Where(f => only is null || f.Format == only))
            {
                var path = Path.Combine(folder.FullName, fileName);
                long declared = Declared(format);
                HostileFiles.Write(format, path, declared);
                var m = Child.Run("hostile", path);
                rows.Add(m with { Name = $"{format} ({new FileInfo(path).Length / 1024.0 / 1024:0.0} MiB file, {declared / 1e9:0.0} GB declared)" });
                File.Delete(path);
            }
            Child.PrintTable("Inspect + preview + histogram of hostile uploads (one process each)", rows);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Writes every hostile file to <paramref name="folder"/> (for bench/hostile-server.sh).</summary>
    public static void WriteAll(string folder)
    {
        Directory.CreateDirectory(folder);
        foreach (var (format, fileName) in HostileFiles.All)
        {
            HostileFiles.Write(format, Path.Combine(folder, fileName), Declared(format));
        }
    }

    private static long Declared(string format) => format is "png" or "png-interlaced" or "jpeg" ? 13000L * 13000 * 3 : 2_000_000_000L;

    /// <summary>What the server does with a staged upload: inspect it, then render its preview and histogram.</summary>
    public static Measurement Inspect(string path)
    {
        var sw = Stopwatch.StartNew();
        var name = Path.GetFileName(path);
        var outcome = new List<string>();
        Step(outcome, "inspect", () => FileInspector.Inspect(path, name).Format);
        Step(outcome, "preview", () => PreviewRenderer.RenderPng(path, name, 256) is { } png ? $"{png.Length} B png" : "none");
        Step(outcome, "histogram", () => PreviewRenderer.FileHistogram(path) is { } h ? $"{h.Counts.Sum()} values" : "none");
        sw.Stop();
        return new Measurement(name, sw.Elapsed.TotalSeconds, 0, string.Join("; ", outcome));
    }

    private static void Step(List<string> outcome, string what, Func<string> step)
    {
        var sw = Stopwatch.StartNew();
        try
        {
            var result = step();
            outcome.Add($"{what}: {result} ({sw.Elapsed.TotalSeconds:0.0} s)");
        }
        catch (FormatReadException e)
        {
            outcome.Add($"{what}: refused ({Shorten(e.Reason)})");
        }
        catch (Exception e) when (e is OutOfMemoryException or InvalidOperationException or ArgumentException)
        {
            outcome.Add($"{what}: {e.GetType().Name} ({Shorten(e.Message)})");
        }
    }

    private static string Shorten(string s) => s.Length > 90 ? s[..90] + "…" : s;
}
