namespace NeuroLab.Analysis.Glm;

/// <summary>
/// One row of a BIDS <c>*_events.tsv</c> file: a stimulus or task event of one condition.
/// Every event has unit amplitude; two events of one condition that overlap add up.
/// </summary>
/// <param name="Onset">Start, in seconds from the acquisition of the first scan (BIDS <c>onset</c>).</param>
/// <param name="Duration">Length in seconds (BIDS <c>duration</c>); 0 models an impulse one fine sample long, as nilearn does.</param>
/// <param name="TrialType">Condition name (BIDS <c>trial_type</c>).</param>
public sealed record TaskEvent(double Onset, double Duration, string TrialType);
