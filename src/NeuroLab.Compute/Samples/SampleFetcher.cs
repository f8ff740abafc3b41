using System.Security.Cryptography;

namespace NeuroLab.Compute.Samples;

/// <summary>Progress of fetching a sample: files and bytes done so far.</summary>
public sealed record FetchProgress(string Stage, int FilesDone, int FilesTotal, long BytesDone, long BytesTotal, string? CurrentFile);

/// <summary>A sample file could not be obtained or did not match its checksum.</summary>
public sealed class SampleFetchException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Gets the files of a sample into a local folder: copied from a configured mirror folder (tests use
/// ../shared/data) or, without a mirror, downloaded from their original public URLs. Every file's SHA-256
/// is checked against the catalogue either way; a mismatch or a missing file stops the import with a
/// message naming the file.
/// </summary>
public sealed class SampleFetcher(HttpClient http, string? mirrorDirectory)
{
    /// <summary>
    /// Fetches every file of <paramref name="sample"/> and returns their local paths (by catalogue path).
    /// Mirror files are used in place; downloads go to <paramref name="downloadDirectory"/>.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> FetchAsync(SampleDefinition sample, string downloadDirectory, IProgress<FetchProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var result = new Dictionary<string, string>();
        long done = 0;
        int files = 0;
        foreach (var file in sample.Files)
        {
            ct.ThrowIfCancellationRequested();
            progress?.Report(new FetchProgress(mirrorDirectory is null ? "Downloading" : "Checking", files, sample.Files.Count, done, sample.TotalBytes, file.Path));
            result[file.Path] = mirrorDirectory is not null
                ? await FromMirrorAsync(file, ct)
                : await DownloadAsync(file, downloadDirectory, ct);
            done += file.SizeBytes;
            files++;
        }
        progress?.Report(new FetchProgress("Fetched", files, sample.Files.Count, done, sample.TotalBytes, null));
        return result;
    }

    private async Task<string> FromMirrorAsync(SampleFile file, CancellationToken ct)
    {
        var path = Path.GetFullPath(Path.Combine(mirrorDirectory!, file.Path));
        if (!path.StartsWith(Path.GetFullPath(mirrorDirectory!), StringComparison.Ordinal))
        {
            throw new SampleFetchException($"Catalogue path {file.Path} leaves the mirror folder.");
        }
        if (!File.Exists(path))
        {
            throw new SampleFetchException($"{file.Path} is missing from the sample mirror {mirrorDirectory}.");
        }
        await using var stream = File.OpenRead(path);
        await VerifyAsync(stream, file, "the mirror copy", ct);
        return path;
    }

    private async Task<string> DownloadAsync(SampleFile file, string downloadDirectory, CancellationToken ct)
    {
        if (!file.DirectDownload)
        {
            throw new SampleFetchException(
                $"{file.Path} cannot be downloaded directly (source: {file.Url}{(file.Note is null ? string.Empty : "; " + file.Note)}). " +
                "Set NeuroLab:Samples:MirrorDirectory to a folder that holds it.");
        }
        var target = Path.Combine(downloadDirectory, file.Path);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var temp = target + ".part";
        try
        {
            using var response = await http.GetAsync(file.Url, HttpCompletionOption.ResponseHeadersRead, ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new SampleFetchException($"Downloading {file.Path} from {file.Url} failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}.");
            }
            await using (var output = File.Create(temp))
            await using (var body = await response.Content.ReadAsStreamAsync(ct))
            {
                await body.CopyToAsync(output, ct);
            }
            await using (var check = File.OpenRead(temp))
            {
                await VerifyAsync(check, file, "the download", ct);
            }
            File.Move(temp, target, overwrite: true);
            return target;
        }
        catch (HttpRequestException e)
        {
            throw new SampleFetchException(
                $"Could not download {file.Path} from {file.Url}: {e.Message}. This server may be offline; set NeuroLab:Samples:MirrorDirectory to a local copy of the sample data.", e);
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new SampleFetchException($"Downloading {file.Path} from {file.Url} timed out. Set NeuroLab:Samples:MirrorDirectory to a local copy.", e);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static async Task VerifyAsync(Stream stream, SampleFile file, string what, CancellationToken ct)
    {
        var actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct));
        if (actual != file.Sha256)
        {
            throw new SampleFetchException($"{file.Path}: {what} has SHA-256 {actual[..12]}…, the catalogue expects {file.Sha256[..12]}…. The file differs from the published original.");
        }
    }
}
