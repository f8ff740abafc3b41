using NeuroLab.Compute.Rsa;
using NeuroLab.Data.Datasets;
using NeuroLab.Formats;

namespace NeuroLab.Compute.Datasets;

public static partial class SampleRecipes
{
    /// <summary>
    /// Checks the dataset's RDM files (roles BrainRdm and ModelRdm) before anything is saved: each must hold RDMs
    /// (square and symmetric with a zero diagonal, or condensed), all over the same conditions, and as many as the
    /// dataset has stimuli when it has any. The RSA run reads them again from the content store.
    /// </summary>
    private static void CheckRdms(RecipeContext context, DerivedData derived)
    {
        var problems = new List<FileProblem>();
        int? conditions = derived.Stimuli.Count > 0 ? derived.Stimuli.Count : null;
        string? firstFile = null;
        foreach (var file in context.WithRole(FileRole.BrainRdm).Concat(context.WithRole(FileRole.ModelRdm)))
        {
            context.Cancellation.ThrowIfCancellationRequested();
            try
            {
                foreach (var rdm in RdmFiles.Read(context.PathOf(file), file.Name, file.Inspection.Format))
                {
                    if (conditions is { } n && rdm.Conditions != n)
                    {
                        var against = derived.Stimuli.Count > 0 ? $"the dataset's {n} stimuli" : $"the {n} conditions of {firstFile}";
                        problems.Add(new FileProblem(file.Name, $"RDM '{rdm.Name}' is over {rdm.Conditions} conditions but {against}; RDMs must be in stimulus order, one row per stimulus."));
                        break;
                    }
                    conditions ??= rdm.Conditions;
                    firstFile ??= file.Name;
                }
            }
            catch (FormatReadException e)
            {
                problems.Add(new FileProblem(file.Name, e.Reason));
            }
        }
        if (problems.Count > 0)
        {
            throw new DatasetImportException("RDMs that cannot be used.", problems);
        }
    }
}
