namespace NeuroLab.Web.Components.Charts;

/// <summary>Counts events per UTC day over a trailing window, for the workspace activity chart.</summary>
public static class ActivityHistogram
{
    /// <summary>
    /// Returns <paramref name="days"/> consecutive UTC dates ending at <paramref name="todayUtc"/>'s date and
    /// the number of <paramref name="eventTimesUtc"/> on each; events outside the window are ignored.
    /// </summary>
    public static (DateOnly[] Days, int[] Counts) DailyCounts(IEnumerable<DateTime> eventTimesUtc, DateTime todayUtc, int days)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(days, 1);
        var last = DateOnly.FromDateTime(todayUtc);
        var first = last.AddDays(-(days - 1));
        var labels = Enumerable.Range(0, days).Select(first.AddDays).ToArray();
        var counts = new int[days];
        foreach (var t in eventTimesUtc)
        {
            var index = DateOnly.FromDateTime(t).DayNumber - first.DayNumber;
            if (index >= 0 && index < days)
            {
                counts[index]++;
            }
        }
        return (labels, counts);
    }
}
