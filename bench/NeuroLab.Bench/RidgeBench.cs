using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using NeuroLab.Analysis.Encoding;
using NeuroLab.Formats;
using NeuroLab.Formats.Numpy;
using TorchSharp;
using static TorchSharp.torch;

namespace NeuroLab.Bench;

/// <summary>
/// Ridge encoding-model benchmark on generated data (see <c>bench/ridge_reference.py</c> for the NumPy comparison):
/// <list type="bullet">
/// <item><c>ridge-generate DIR [units]</c>: writes X_train.npy [8000, 768], X_test.npy [1000, 768], Y_train.npy
/// [8000, units], Y_test.npy [1000, units] (float32, z-scored with training statistics; default 20,000 units) from a
/// planted linear model plus noise, seeded, one block of units at a time.</item>
/// <item><c>ridge DIR [units]</c>: RidgeCv with alphas logspace(0, 6, 10), 5 contiguous folds, no intercept, no further
/// standardisation, responses streamed from Y_*.npy in batches of units (optionally only the first <c>units</c>).
/// The last line printed is one JSON object with fit_s, mean_r and peak_rss_MiB.</item>
/// <item><c>ridge-wholebrain DIR</c>: the same fit for every unit of DIR (generate it with 200,000 units), keeping
/// weights but not test predictions.</item>
/// </list>
/// </summary>
internal static class RidgeBench
{
    private const int TrainSamples = 8000;
    private const int TestSamples = 1000;
    private const int Features = 768;
    private const int GenerateBlock = 2048;

    public static void Generate(string dir, int units)
    {
        Directory.CreateDirectory(dir);
        var sw = Stopwatch.StartNew();
        using var generator = new Generator(20240601);
        using (var scope = NewDisposeScope())
        {
            // Mildly correlated features, z-scored with the training rows' statistics.
            var mixing = eye(Features) + (randn([Features, Features], generator: generator) * (0.5 / Math.Sqrt(Features)));
            var all = randn([TrainSamples + TestSamples, Features], generator: generator).mm(mixing);
            var train = all.narrow(0, 0, TrainSamples);
            var mean = train.mean([0L], keepdim: true);
            var sd = train.std(0L, unbiased: false, keepdim: true);
            var z = (all - mean) / sd;
            WriteWhole(Path.Combine(dir, "X_train.npy"), z.narrow(0, 0, TrainSamples));
            WriteWhole(Path.Combine(dir, "X_test.npy"), z.narrow(0, TrainSamples, TestSamples));
            z.DetachFromDisposeScope();
            using var features = z;
            using var yTrain = new NpyColumnWriter(Path.Combine(dir, "Y_train.npy"), TrainSamples, units);
            using var yTest = new NpyColumnWriter(Path.Combine(dir, "Y_test.npy"), TestSamples, units);
            for (int first = 0; first < units; first += GenerateBlock)
            {
                using var block = NewDisposeScope();
                int count = Math.Min(GenerateBlock, units - first);
                // Planted weights with a per-unit share of explained variance between 0 and 0.6, so units need different alphas.
                var weights = randn([Features, count], generator: generator) / Math.Sqrt(Features);
                var signal = features.mm(weights);
                var share = rand([1, count], generator: generator) * 0.6;
                var y = (signal / signal.narrow(0, 0, TrainSamples).std(0L, keepdim: true) * share.sqrt())
                    + (randn([TrainSamples + TestSamples, count], generator: generator) * (1 - share).sqrt());
                var trainRows = y.narrow(0, 0, TrainSamples);
                var yz = (y - trainRows.mean([0L], keepdim: true)) / trainRows.std(0L, unbiased: false, keepdim: true);
                yTrain.WriteColumns(first, yz.narrow(0, 0, TrainSamples).contiguous());
                yTest.WriteColumns(first, yz.narrow(0, TrainSamples, TestSamples).contiguous());
            }
        }
        Console.WriteLine($"wrote {dir}: X_train [{TrainSamples}, {Features}], X_test [{TestSamples}, {Features}], Y_train [{TrainSamples}, {units}], Y_test [{TestSamples}, {units}] float32 in {sw.Elapsed.TotalSeconds:0.0} s");
        Console.WriteLine(JsonSerializer.Serialize(new { generate_s = Math.Round(sw.Elapsed.TotalSeconds, 2), units, peak_rss_MiB = Math.Round(Memory.PeakRssMiB()) }));
    }

    public static void Fit(string dir, int? unitLimit, bool wholeBrain)
    {
        var total = Stopwatch.StartNew();
        var runtime = NeuroLab.Analysis.Runtime.TorchRuntime.Describe();
        using var xTrain = ReadFeatures(Path.Combine(dir, "X_train.npy"));
        using var xTest = ReadFeatures(Path.Combine(dir, "X_test.npy"));
        var yTrain = new NpyResponses(Path.Combine(dir, "Y_train.npy"), unitLimit);
        var yTest = new NpyResponses(Path.Combine(dir, "Y_test.npy"), unitLimit);
        var options = new RidgeCvOptions
        {
            Alphas = [.. Enumerable.Range(0, 10).Select(i => Math.Pow(10, 6.0 * i / 9))],
            Folds = RidgeFolds.Contiguous(5),
            FitIntercept = false,
            StandardizeFeatures = false,
            KeepTestPredictions = !wholeBrain,
        };
        var sw = Stopwatch.StartNew();
        using var result = RidgeCv.Fit(xTrain, yTrain, xTest, yTest, options);
        double fitSeconds = sw.Elapsed.TotalSeconds;
        var alphaCounts = result.BestAlphaIndex.GroupBy(i => i).OrderBy(g => g.Key).Select(g => $"{options.Alphas[g.Key]:g3}:{g.Count()}");
        Console.WriteLine($"libtorch {runtime.LibTorchVersion}, {runtime.IntraOpThreads} threads, OMP_WAIT_POLICY={runtime.OmpWaitPolicy}");
        Console.WriteLine($"units {yTrain.UnitCount}, batch {options.UnitBatchSize}, rank {result.Rank}; chosen alphas {string.Join(" ", alphaCounts)}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fit {fitSeconds:0.00} s (responses streamed from disk inside the fit), mean test r {result.MeanTestR:0.000000}, mean test R2 {result.TestR2.Average():0.000000}"));
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            fit_s = Math.Round(fitSeconds, 3),
            mean_r = Math.Round(result.MeanTestR, 6),
            peak_rss_MiB = Math.Round(Memory.PeakRssMiB()),
            units = yTrain.UnitCount,
            total_s = Math.Round(total.Elapsed.TotalSeconds, 3),
        }));
    }

    private static Tensor ReadFeatures(string path)
    {
        var array = NpyReader.Read(path);
        if (array.Type != NumericType.Float32 || array.Rank != 2)
        {
            throw new InvalidDataException($"{path}: expected float32 [samples, features], got {array.Type} {array.ShapeText}.");
        }
        return tensor(array.ToCOrder().AsSpan<float>().ToArray(), [array.Shape[0], array.Shape[1]]);
    }

    private static void WriteWhole(string path, Tensor data)
    {
        using var contiguous = data.contiguous();
        var values = contiguous.data<float>().ToArray();
        NpyWriter.Write(path, new NumericArray(NumericType.Float32, [data.shape[0], data.shape[1]], values));
    }

    /// <summary>Reads column blocks of a C-order float32 .npy matrix straight into tensor memory, one row segment per read.</summary>
    private sealed class NpyResponses : ResponseSource
    {
        private readonly string _path;
        private readonly long _dataOffset;
        private readonly long _rowLength;

        public NpyResponses(string path, int? unitLimit)
            : this(path, ReadHeader(path), unitLimit)
        {
        }

        private NpyResponses(string path, NpyHeader header, int? unitLimit)
            : base((int)header.Shape[0], (int)Math.Min(header.Shape[1], unitLimit ?? int.MaxValue))
        {
            _path = path;
            _dataOffset = header.DataOffset;
            _rowLength = header.Shape[1];
        }

        public override Tensor ReadUnits(int firstUnit, int count, ScalarType dtype)
        {
            var block = empty([SampleCount, count], ScalarType.Float32);
            var values = MemoryMarshal.Cast<byte, float>(block.bytes);
            using var handle = File.OpenHandle(_path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
            for (int row = 0; row < SampleCount; row++)
            {
                var destination = MemoryMarshal.AsBytes(values.Slice(row * count, count));
                long offset = _dataOffset + (((row * _rowLength) + firstUnit) * sizeof(float));
                if (RandomAccess.Read(handle, destination, offset) != destination.Length)
                {
                    throw new EndOfStreamException($"{_path}: truncated at row {row}.");
                }
            }
            if (dtype == ScalarType.Float32)
            {
                return block;
            }
            using (block)
            {
                return block.to_type(dtype);
            }
        }

        private static NpyHeader ReadHeader(string path)
        {
            using var stream = File.OpenRead(path);
            // Only column blocks are ever held in memory, so the whole-array size limit does not apply.
            var header = NpyReader.ReadHeader(stream, Path.GetFileName(path), new ReadLimits { MaxArrayBytes = long.MaxValue, MaxElements = long.MaxValue });
            if (header.Type != NumericType.Float32 || header.FortranOrder || !header.LittleEndian || header.StoredAsFloat16 || header.Shape.Count != 2)
            {
                throw new InvalidDataException($"{path}: expected little-endian float32 [samples, units] in C order, got {header.Descr} [{string.Join(", ", header.Shape)}].");
            }
            return header;
        }
    }

    /// <summary>Writes a C-order float32 .npy matrix one block of columns at a time (a seek per row segment).</summary>
    private sealed class NpyColumnWriter : IDisposable
    {
        private readonly SafeFileHandle _handle;
        private readonly long _dataOffset;
        private readonly int _rows;
        private readonly long _columns;

        public NpyColumnWriter(string path, int rows, long columns)
        {
            _rows = rows;
            _columns = columns;
            // Version 1.0 header padded with spaces and a newline to a 64-byte boundary (numpy.lib.format).
            string dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {columns}), }}";
            int total = 10 + dict.Length + 1;
            int padded = (total + 63) / 64 * 64;
            var header = new byte[padded];
            new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 }.CopyTo(header, 0);
            BitConverter.GetBytes((ushort)(padded - 10)).CopyTo(header, 8);
            Encoding.ASCII.GetBytes(dict.PadRight(padded - 11)).CopyTo(header, 10);
            header[^1] = (byte)'\n';
            _dataOffset = padded;
            _handle = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, FileOptions.None, _dataOffset + (rows * columns * sizeof(float)));
            RandomAccess.Write(_handle, header, 0);
        }

        public void WriteColumns(int firstColumn, Tensor block)
        {
            int count = (int)block.shape[1];
            var values = MemoryMarshal.Cast<byte, float>(block.bytes);
            for (int row = 0; row < _rows; row++)
            {
                RandomAccess.Write(_handle, MemoryMarshal.AsBytes(values.Slice(row * count, count)), _dataOffset + (((row * _columns) + firstColumn) * sizeof(float)));
            }
        }

        public void Dispose() => _handle.Dispose();
    }
}
