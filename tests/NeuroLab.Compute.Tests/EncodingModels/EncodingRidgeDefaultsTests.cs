using NeuroLab.Compute.EncodingModels;
using NeuroLab.Compute.RunKinds.EncodingRidge;
using NeuroLab.Compute.RunKinds.EncodingReadout;
using NeuroLab.Compute.RunKinds.VoxelCaptions;
using NeuroLab.Compute.Runs;

namespace NeuroLab.Compute.Tests.EncodingModels;

public sealed class EncodingRidgeDefaultsTests
{
    private static readonly Guid Set = Guid.NewGuid();

    [Fact]
    public void For_ConditionsWithLabelsAndRunTrials_NoSplit_SingleTrialsByRepeatWithLabels()
    {
        // Haxby: 8 GLM conditions, labelled, no images, no train/test marks, 12 runs of betas.
        var p = EncodingRidgeDefaults.For(Set, new RunDefaultFacts(8, 0, 8, 8, 0, 0, 129, 12, null));
        Assert.Equal(("labels", "trials", 5), (p.Features, p.Samples, p.Folds));
        Assert.Equal(Set, p.ResponseSetId);
        Assert.Null(p.ImageSize);
    }

    [Fact]
    public void For_ImagesWithSplitMarks_GaborOnTheDatasetsSplit()
    {
        var p = EncodingRidgeDefaults.For(Set, new RunDefaultFacts(118, 118, 0, 0, 100, 18, 212, null, null));
        Assert.Equal(("gabor", "stimuli", "dataset", 5, 64, 1000), (p.Features, p.Samples, p.Split, p.Folds, p.ImageSize, p.Permutations));
    }

    [Fact]
    public void For_MarksAndTrials_TheMarksWin()
    {
        var p = EncodingRidgeDefaults.For(Set, new RunDefaultFacts(118, 118, 0, 0, 100, 18, 212, 50, null));
        Assert.Equal(("stimuli", "dataset"), (p.Samples, p.Split));
    }

    [Fact]
    public void For_NoMarksNoTrials_RandomSplitWithFoldsTheSamplesAllow()
    {
        var p = EncodingRidgeDefaults.For(Set, new RunDefaultFacts(10, 10, 0, 0, 0, 0, 5, null, null));
        Assert.Equal(("random", "stimuli"), (p.Split, p.Samples));
        Assert.Equal(4, p.Folds); // 8 training stimuli: 2 per fold
    }

    [Fact]
    public void For_TooFewRepeats_StimuliOnARandomSplit()
    {
        var p = EncodingRidgeDefaults.For(Set, new RunDefaultFacts(40, 0, 40, 4, 0, 0, 10, 2, null));
        Assert.Equal(("labels", "stimuli", "random"), (p.Features, p.Samples, p.Split));
    }

    [Fact]
    public void For_NoImagesNoLabels_TheUploadedFeatureMatrix()
    {
        var file = Guid.NewGuid();
        var p = EncodingRidgeDefaults.For(Set, new RunDefaultFacts(30, 0, 29, 3, 20, 10, 10, null, file));
        Assert.Equal(("file", file), (p.Features, p.FeatureFileId));
    }

    [Fact]
    public void For_ManyUnits_PermutationsFitTheWorkLimit()
    {
        var p = EncodingRidgeDefaults.For(Set, new RunDefaultFacts(118, 118, 0, 0, 100, 18, 5_000_000, null, null));
        Assert.Equal(200, p.Permutations);
    }

    [Theory]
    [InlineData("The dataset marks 0 training and 0 test stimuli; use split \"random\" or import a split.",
        "The dataset marks 0 training and 0 test stimuli; use Train/test split \"Random 80/20 (seeded)\" or import a split.")]
    [InlineData("folds must be between 2 and 100 (got 1).", "CV folds must be between 2 and 100 (got 1).")]
    [InlineData("10 training repeats are too few for 11-fold cross-validation by repeat; lower folds or testRepeats.",
        "10 training repeats are too few for 11-fold cross-validation by repeat; lower CV folds or Test repeats.")]
    [InlineData("GLM betas has no single trials; samples = trials needs repeated trials [repeats, stimuli, units] (e.g. per-run GLM betas). Use samples = stimuli.",
        "GLM betas has no single trials; Samples = Single trials, split by repeat needs repeated trials [repeats, stimuli, units] (e.g. per-run GLM betas). Use Samples = One per stimulus (trial means).")]
    [InlineData("imageSize must be between 8 and 512 (got 4).", "Working resolution (px) must be between 8 and 512 (got 4).")]
    [InlineData("featureFileId must name a file of this dataset imported with the role Features.", "Feature file must name a file of this dataset imported with the role Features.")]
    [InlineData("Unknown split 'halves'. Use dataset (the stimuli's train/test marks) or random.", "Unknown Train/test split 'halves'. Use dataset (the stimuli's train/test marks) or random.")]
    [InlineData("8 stimuli leave too few training samples for 5 folds.", "8 stimuli leave too few training samples for 5 folds.")]
    public void ForForm_ParameterNames_BecomeTheFormsLabels(string problem, string expected) =>
        Assert.Equal(expected, RunParameterLabels.ForForm(problem));
}
