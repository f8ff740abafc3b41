using NeuroLab.Compute.Runs;
using NeuroLab.Compute.Workers;
using NeuroLab.Data.Runs;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace NeuroLab.Compute.Tests.Workers;

public sealed class RunDispatchTests
{
    /// <summary>A run row as submitted, with these parameters (not saved).</summary>
    internal static Run NewRun(string parameters, string kind = "encoding-ridge") =>
        new() { Id = Guid.NewGuid(), Kind = kind, ParametersJson = parameters, CreatedByUserId = "u", DatasetChecksum = "0" };

    [Theory]
    [InlineData("""{"device":"cuda"}""", "gpu")]
    [InlineData("""{"Device":"cuda:1"}""", "gpu")]
    [InlineData("""{"device":"cpu"}""", "cpu")]
    [InlineData("""{"responseSetId":"x"}""", "cpu")]
    [InlineData("""[1,2]""", "cpu")]
    [InlineData("""not json""", "cpu")]
    public void QueueFor_DeviceParameter_PicksTheQueue(string parameters, string queue) =>
        Assert.Equal(queue, RunDispatch.QueueFor(NewRun(parameters)));

    [Fact]
    public void ComputeOptions_ModeAndQueues_AreChecked()
    {
        Assert.Empty(new ComputeOptions().Problems());
        Assert.False(new ComputeOptions().UsesWorkers());
        Assert.True(new ComputeOptions { Mode = "Workers" }.UsesWorkers());
        Assert.Contains(new ComputeOptions { Mode = "cluster" }.Problems(), p => p.Contains("Mode", StringComparison.Ordinal));
        Assert.Equal(["cpu"], WorkerServiceCollectionExtensions.Queues(Configuration([])));
        Assert.Equal(["gpu", "cpu"], WorkerServiceCollectionExtensions.Queues(Configuration(new() { ["NeuroLab:Compute:Queues:0"] = "gpu", ["NeuroLab:Compute:Queues:1"] = "cpu" })));
        Assert.Throws<InvalidOperationException>(() => WorkerServiceCollectionExtensions.Queues(Configuration(new() { ["NeuroLab:Compute:Queues:0"] = "default" })));
    }

    private static IConfiguration Configuration(Dictionary<string, string?> values) => new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    [Fact]
    public void WorkerDatabase_WithoutPostgreSql_SaysWhatToSet()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["NeuroLab:Compute:Mode"] = "workers" }).Build();
        var e = Assert.Throws<InvalidOperationException>(() => WorkerDatabase.ConnectionString(configuration));
        Assert.Contains("NeuroLab:Database:Provider = postgresql", e.Message, StringComparison.Ordinal);
    }
}
