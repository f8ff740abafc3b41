using System.Diagnostics;
using System.Text;

namespace NeuroLab.Tests.Shared;

/// <summary>A <c>NeuroLab.Worker</c> child process; killed by its PID on dispose.</summary>
public sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private WorkerProcess(string hostId, Process process)
    {
        HostId = hostId;
        _process = process;
    }

    public string HostId { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>The worker built beside this test assembly's configuration (the test project builds it first).</summary>
    public static string WorkerDll => BuildOutput.Dll("NeuroLab.Worker");

    public static WorkerProcess Start(string hostId, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(WorkerDll);
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        var process = new Process { StartInfo = start };
        var worker = new WorkerProcess(hostId, process);
        process.OutputDataReceived += (_, e) => worker.Append(e.Data);
        process.ErrorDataReceived += (_, e) => worker.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>SIGKILL: the worker dies mid-run without letting anything go.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    /// <summary>SIGTERM, as a container runtime or systemd stops a worker; waits for the process to exit.</summary>
    public async Task TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        using var wait = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(wait.Token);
    }

    public string OutputTail()
    {
        lock (_output)
        {
            var text = _output.ToString();
            return text.Length > 6000 ? text[^6000..] : text;
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
