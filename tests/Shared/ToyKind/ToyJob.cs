using Microsoft.EntityFrameworkCore;
using NeuroLab.Compute.RunKinds;
using NeuroLab.Compute.Runs;
using NeuroLab.Data;
using NeuroLab.Data.Storage;
using NeuroLab.Formats;
using NeuroLab.Formats.Numpy;

namespace NeuroLab.Tests.Shared.ToyKind;

/// <summary>
/// A toy run kind that lives in the test projects only, to prove the run-kind contract: each unit's mean (or max)
/// response over the stimuli, times a scale, as the run's unit scores. Registered with one line,
/// <c>services.AddRunKind&lt;ToyParameters, ToySummary, ToyJob&gt;()</c>; it has no page components of its own.
/// </summary>
public sealed class ToyJob(IDbContextFactory<NeuroLabDbContext> dbFactory, ContentStore store) : IRunJob<ToyParameters, ToySummary>
{
    public const string Name = "toy-unit-statistic";

    public static readonly ArtifactSpec UnitStatistic = new("unit_statistic.npy", ArtifactRole.UnitScores, "Each unit's statistic times the scale [units].");

    public static RunKindInfo Info { get; } = new(
        Name, "Toy: a statistic of each unit", "Each unit's mean or max response over the stimuli, times a scale (a test kind).",
        RunInput.ResponseSet, [UnitStatistic]);

    public async Task ValidateAsync(ToyParameters parameters, RunSubmission submission, RunProblems problems, CancellationToken ct)
    {
        problems.OneOf("statistic", parameters.Statistic, ("mean", "over the stimuli"), ("max", "over the stimuli"));
        RunParameterChecks.Between(problems, "scale", parameters.Scale, -100, 100);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await db.ResponseSets.AnyAsync(r => r.Id == parameters.ResponseSetId && r.DatasetId == submission.DatasetId, ct))
        {
            problems.Add($"Response set {parameters.ResponseSetId} is not part of this dataset.");
        }
    }

    public async Task<ToySummary> ExecuteAsync(ToyParameters parameters, RunContext context)
    {
        await using var db = await dbFactory.CreateDbContextAsync(context.Cancellation);
        var set = await db.ResponseSets.SingleAsync(r => r.Id == parameters.ResponseSetId, context.Cancellation);
        NumericArray responses;
        await using (var stream = store.OpenRead(set.ArraySha256))
        {
            responses = NpyReader.Read(stream, "responses.npy").ToCOrder();
        }
        int stimuli = (int)responses.Shape[0], units = (int)responses.Shape[1];
        var values = responses.ToFloat64();
        var result = new double[units];
        for (int u = 0; u < units; u++)
        {
            var column = Enumerable.Range(0, stimuli).Select(s => values[(long)s * units + u]);
            result[u] = parameters.Scale * (parameters.Statistic == "max" ? column.Max() : column.Average());
            context.Report("units", u + 1, units);
        }
        await context.SaveArrayAsync(UnitStatistic, new NumericArray(NumericType.Float64, [units], result));
        await context.LogAsync($"{parameters.Statistic} of {units} units.");
        return new ToySummary { Statistic = parameters.Statistic, Units = units, AverageOverUnits = result.Average() };
    }
}
