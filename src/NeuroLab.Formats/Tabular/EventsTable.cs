namespace NeuroLab.Formats.Tabular;

/// <summary>
/// A BIDS events file (<c>*_events.tsv</c>) as read by <see cref="BidsEventsReader"/>: the header's
/// columns in file order, one <see cref="BidsEvent"/> per data row in file order (not re-sorted), and
/// the distinct trial types. See the BIDS specification, "Task events"
/// (https://bids-specification.readthedocs.io/en/stable/modality-specific-files/task-events.html).
/// </summary>
public sealed class EventsTable
{
    public EventsTable(IReadOnlyList<string> columns, IReadOnlyList<BidsEvent> events)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(events);
        Columns = columns;
        Events = events;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var trialTypes = new List<string>();
        foreach (var e in events)
        {
            if (e.TrialType is { } t && seen.Add(t))
            {
                trialTypes.Add(t);
            }
        }
        TrialTypes = trialTypes;
    }

    /// <summary>Column names as in the header row, in file order (including onset and duration).</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>The events in file order.</summary>
    public IReadOnlyList<BidsEvent> Events { get; }

    /// <summary>Distinct non-missing <c>trial_type</c> values in order of first appearance (empty when the column is absent).</summary>
    public IReadOnlyList<string> TrialTypes { get; }
}

/// <summary>
/// One row of a BIDS events file. Missing values ("n/a", or an empty cell as pandas writes NaN) are null.
/// </summary>
public sealed class BidsEvent
{
    public BidsEvent(int lineNumber, double onset, double? duration, string? trialType, double? responseTime, string? stimFile, IReadOnlyDictionary<string, string?> extra)
    {
        ArgumentNullException.ThrowIfNull(extra);
        if (!double.IsFinite(onset))
        {
            throw new ArgumentOutOfRangeException(nameof(onset), onset, "Onset must be finite.");
        }
        if (duration is { } d && (!double.IsFinite(d) || d < 0))
        {
            throw new ArgumentOutOfRangeException(nameof(duration), duration, "Duration must be finite and >= 0, or null.");
        }
        if (responseTime is { } r && !double.IsFinite(r))
        {
            throw new ArgumentOutOfRangeException(nameof(responseTime), responseTime, "Response time must be finite or null.");
        }
        LineNumber = lineNumber;
        Onset = onset;
        Duration = duration;
        TrialType = trialType;
        ResponseTime = responseTime;
        StimFile = stimFile;
        Extra = extra;
    }

    /// <summary>Line of the file (1-based) the event was read from, for messages that point back to the file.</summary>
    public int LineNumber { get; }

    /// <summary>Onset in seconds from the first acquired volume; may be negative (events before the scan). Always finite.</summary>
    public double Onset { get; }

    /// <summary>Duration in seconds (&gt;= 0; 0 for impulse events), or null for "n/a". Never NaN.</summary>
    public double? Duration { get; }

    /// <summary>The <c>trial_type</c> (condition) of the event, or null when missing or when the column is absent.</summary>
    public string? TrialType { get; }

    /// <summary>The <c>response_time</c> in seconds (negative for anticipatory responses), or null ("n/a": no response, or column absent).</summary>
    public double? ResponseTime { get; }

    /// <summary>The <c>stim_file</c> path (relative to the dataset's <c>/stimuli</c> folder), or null.</summary>
    public string? StimFile { get; }

    /// <summary>
    /// Every column other than onset, duration and trial_type, as text exactly as in the file (missing = null);
    /// response_time and stim_file appear here too, besides their typed properties.
    /// </summary>
    public IReadOnlyDictionary<string, string?> Extra { get; }
}
