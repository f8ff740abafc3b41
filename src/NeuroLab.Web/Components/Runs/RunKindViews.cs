using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NeuroLab.Compute.RunKinds;
using NeuroLab.Compute.Runs;
using NeuroLab.Data.Datasets;
using NeuroLab.Data.Runs;
using NeuroLab.Data.Workspaces;

namespace NeuroLab.Web.Components.Runs;

/// <summary>
/// How the pages show a run kind: the component that edits its parameters on the new-run page and the panel that
/// shows its results on the run page. A kind without a view gets the generic form (one field per parameter) and
/// the generic panel (its unit scores and summary), so a kind registered in Compute alone still works end to end.
/// </summary>
/// <param name="Kind">The kind's name.</param>
/// <param name="Form">A component deriving from <see cref="RunParametersForm"/>.</param>
/// <param name="Result">A component deriving from <see cref="RunResultPanel"/>.</param>
public sealed record RunKindView(string Kind, Type? Form = null, Type? Result = null);

/// <summary>The views of the registered kinds (see <see cref="RunKindView"/>).</summary>
public sealed class RunKindViews(RunKindRegistry kinds, IEnumerable<RunKindView> views)
{
    private readonly Dictionary<string, RunKindView> _views = views.ToDictionary(v => v.Kind, StringComparer.OrdinalIgnoreCase);

    public RunKindRegistry Kinds => kinds;

    /// <summary>The kinds a person starts from a dataset (they fit a response set or read its files), as listed (<see cref="RunKindInfo.Order"/>).</summary>
    public IReadOnlyList<IRunKind> ForDatasets => kinds.ForDatasets;

    /// <summary>The parameter form of a kind (the generic one when it has none).</summary>
    public Type FormFor(string kind) => _views.GetValueOrDefault(kind)?.Form ?? typeof(GenericParametersForm);

    /// <summary>The result panel of a kind (the generic one when it has none).</summary>
    public Type ResultFor(string kind) => _views.GetValueOrDefault(kind)?.Result ?? typeof(GenericResultPanel);
}

/// <summary>What a parameter form may offer: the dataset's response sets and files, and the chosen response set.</summary>
public sealed record RunFormContext(DatasetDetail Dataset, ResponseSetSummary? ResponseSet);

/// <summary>Base of a kind's parameter form: it edits <see cref="Parameters"/> (the kind's record) in place.</summary>
public abstract class RunParametersForm : ComponentBase
{
    /// <summary>The parameters record being edited (the kind's type).</summary>
    [Parameter, EditorRequired]
    public object Parameters { get; set; } = default!;

    [Parameter, EditorRequired]
    public RunFormContext Context { get; set; } = default!;

    /// <summary>The new-run page's edit context: a field the form cannot read blocks START with its message.</summary>
    [CascadingParameter]
    public EditContext? EditContext { get; set; }

    private ValidationMessageStore? _messages;

    /// <summary>The form's label of a JSON parameter (errors speak these).</summary>
    protected static string L(string parameter) => RunParameterLabels.Label(parameter);

    /// <summary>Records (or clears, with null) that the text typed for <paramref name="property"/> cannot be read.</summary>
    protected void SetFieldError(string property, string? message)
    {
        if (EditContext is null)
        {
            return;
        }
        _messages ??= new ValidationMessageStore(EditContext);
        var field = new FieldIdentifier(Parameters, property);
        _messages.Clear(field);
        if (message is not null)
        {
            _messages.Add(field, message);
        }
        EditContext.NotifyValidationStateChanged();
    }
}

/// <summary>Base of a kind's result panel on the run page.</summary>
public abstract class RunResultPanel : ComponentBase
{
    [Parameter, EditorRequired]
    public RunSummary Run { get; set; } = default!;

    [Parameter, EditorRequired]
    public IReadOnlyList<RunArtifact> Artifacts { get; set; } = [];

    [Parameter, EditorRequired]
    public string UserId { get; set; } = "";

    [Parameter]
    public WorkspaceRole? Role { get; set; }

    /// <summary>
    /// The run's progress events that carry series (partial unit scores, CV curve, training curve), in arrival order
    /// since the page subscribed — before it loaded the run, so none is missed. Panels fold in the ones they have not seen.
    /// </summary>
    [Parameter]
    public IReadOnlyList<RunEvent> Progress { get; set; } = [];

    /// <summary>The artifact of a role (the first in name order), or null.</summary>
    protected RunArtifact? ByRole(ArtifactRole role) => Artifacts.FirstOrDefault(a => a.Role == role.Name());

    /// <summary>Whether the run wrote volume maps (then the brain viewer shows it).</summary>
    protected bool HasVolumeMaps => Artifacts.Any(a => a.Role == ArtifactRole.VolumeMap.Name());
}

/// <summary>Registration of run-kind views.</summary>
public static class RunKindViewServiceCollectionExtensions
{
    /// <summary>Registers how the pages show kind <paramref name="kind"/>.</summary>
    public static IServiceCollection AddRunKindView(this IServiceCollection services, string kind, Type? form = null, Type? result = null)
    {
        if (form is not null && !typeof(RunParametersForm).IsAssignableFrom(form))
        {
            throw new ArgumentException($"{form.Name} must derive from {nameof(RunParametersForm)}.", nameof(form));
        }
        if (result is not null && !typeof(RunResultPanel).IsAssignableFrom(result))
        {
            throw new ArgumentException($"{result.Name} must derive from {nameof(RunResultPanel)}.", nameof(result));
        }
        services.AddSingleton(new RunKindView(kind, form, result));
        services.TryAddSingleton<RunKindViews>();
        return services;
    }
}
