using TorchSharp;

namespace NeuroLab.Analysis.Runtime;

/// <summary>What the loaded libtorch is and how many CPU threads it may use.</summary>
/// <param name="LibTorchVersion">Version reported by the native library, e.g. "2.10.0".</param>
/// <param name="TorchSharpVersion">Version of the managed TorchSharp assembly.</param>
/// <param name="IntraOpThreads">Threads libtorch uses inside one operation.</param>
/// <param name="OmpWaitPolicy">Value of <c>OMP_WAIT_POLICY</c> in this process ("PASSIVE" keeps idle threads off the CPU).</param>
public sealed record TorchRuntimeInfo(string LibTorchVersion, string TorchSharpVersion, int IntraOpThreads, string? OmpWaitPolicy);

/// <summary>
/// Loads libtorch once and reports on it. Loading the native library is the step that fails on a
/// misconfigured machine, so hosts call <see cref="Describe"/> at start-up to fail early and clearly.
/// </summary>
public static class TorchRuntime
{
    /// <summary>Loads libtorch (first call only) and describes it.</summary>
    /// <exception cref="InvalidOperationException">The native library could not be loaded; the message names the likely cause.</exception>
    public static TorchRuntimeInfo Describe()
    {
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
            return new TorchRuntimeInfo(
                torch.__version__,
                typeof(torch).Assembly.GetName().Version?.ToString() ?? "unknown",
                torch.get_num_threads(),
                Environment.GetEnvironmentVariable("OMP_WAIT_POLICY"));
        }
        catch (Exception e) when (e is NotSupportedException or DllNotFoundException or TypeInitializationException)
        {
            throw new InvalidOperationException(
                "libtorch could not be loaded. On Debian 12 the TorchSharp native library needs the GLIBCXX_3.4.32 fix " +
                "applied by build/TorchSharpNativeFix.targets; run `ldd runtimes/linux-x64/native/libLibTorchSharp.so` " +
                "in the output folder to see the real cause. Inner error: " + e.Message, e);
        }
    }
}
