using System.Text.Json;
using NeuroLab.Compute.Events;
using NeuroLab.Compute.Events.Redis;
using NeuroLab.Compute.Runs;
using NeuroLab.Data.Audit;

namespace NeuroLab.Compute.Tests.Events;

/// <summary>Events survive the trip through JSON between processes; workspace data comes back typed only when allowed.</summary>
public sealed class RedisEventCodecTests
{
    private static RedisEventCodec Codec(params Type[] allowed)
    {
        var types = new WorkspaceEventDataTypes();
        foreach (var type in allowed)
        {
            types.Add(type);
        }
        return new RedisEventCodec(types);
    }

    [Fact]
    public void RunEvent_RoundTrip_KeepsEveryFieldAndNonFiniteAsNaN()
    {
        var e = new RunEvent
        {
            RunId = Guid.NewGuid(), ExperimentId = Guid.NewGuid(), WorkspaceId = Guid.NewGuid(), Type = "progress", Stage = "fitting units",
            Step = 3, Total = 10, EtaSeconds = 1.5, Metrics = new Dictionary<string, double> { ["meanTestRSoFar"] = 0.25, ["undefined"] = double.NaN },
            Series = new Dictionary<string, double[]> { ["unitTestR"] = [0.1, double.PositiveInfinity, -0.2] }, AtUtc = new DateTime(2026, 12, 7, 12, 0, 0, DateTimeKind.Utc),
        };
        var codec = Codec();

        var (origin, back) = codec.ReadRunEvent(codec.Write("a", e));

        Assert.Equal("a", origin);
        Assert.Equal((e.RunId, e.ExperimentId, e.WorkspaceId, e.Type, e.Stage, e.Step, e.Total, e.EtaSeconds, e.AtUtc), (back.RunId, back.ExperimentId, back.WorkspaceId, back.Type, back.Stage, back.Step, back.Total, back.EtaSeconds, back.AtUtc));
        Assert.Equal(0.25, back.Metrics!["meanTestRSoFar"]);
        // Non-finite numbers travel as null (NeuroLabJson) and read back as NaN.
        Assert.True(double.IsNaN(back.Metrics["undefined"]));
        Assert.Equal(0.1, back.Series!["unitTestR"][0]);
        Assert.True(double.IsNaN(back.Series["unitTestR"][1]));
    }

    [Fact]
    public void WorkspaceEvent_RegisteredData_ComesBackTyped()
    {
        var item = new ActivityItem(42, "run.submitted", "runs", "a run", "user-1", "Alice", new DateTime(2026, 12, 7, 12, 0, 0, DateTimeKind.Utc), Guid.NewGuid(), null, 3);
        var codec = Codec(typeof(ActivityItem));

        var (_, back) = codec.ReadWorkspaceEvent(codec.Write("a", new WorkspaceEvent { WorkspaceId = Guid.NewGuid(), Type = "activity", Data = item }));

        Assert.Equal(item, Assert.IsType<ActivityItem>(back.Data));
    }

    [Fact]
    public void WorkspaceEvent_StringData_ComesBackAsString()
    {
        var codec = Codec();

        var (_, back) = codec.ReadWorkspaceEvent(codec.Write("a", new WorkspaceEvent { WorkspaceId = Guid.NewGuid(), Type = WorkspaceEventTypes.MemberRemoved, Data = "user-7" }));

        Assert.Equal("user-7", back.Data);
    }

    [Fact]
    public void WorkspaceEvent_UnregisteredData_StaysJson()
    {
        var codec = Codec();

        var (_, back) = codec.ReadWorkspaceEvent(codec.Write("a", new WorkspaceEvent { WorkspaceId = Guid.NewGuid(), Type = "presence", Data = new[] { new { UserId = "u1", Name = "Alice" } } }));

        var data = Assert.IsType<JsonElement>(back.Data);
        Assert.Equal("u1", data[0].GetProperty("userId").GetString());
    }
}
