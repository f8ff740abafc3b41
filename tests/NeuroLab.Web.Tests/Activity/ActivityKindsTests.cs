using NeuroLab.Data.Audit;

namespace NeuroLab.Web.Tests.Activity;

public sealed class ActivityKindsTests
{
    [Theory]
    [InlineData("run.queued", "run", true, false)]
    [InlineData("run.succeeded", "run", true, false)]
    [InlineData("run.failed", "run", true, false)]
    [InlineData("dataset.imported", "dataset", true, false)]
    [InlineData("dataset.renamed", "dataset", true, false)]
    [InlineData("dataset.deleted", "dataset", false, true)]
    [InlineData("annotation.created", "comment", true, false)]
    [InlineData("annotation.resolved", "comment", true, false)]
    [InlineData("annotation.deleted", "comment", false, true)]
    [InlineData("caption.reviewed", "review", true, false)]
    [InlineData("member.added", "member", true, true)]
    [InlineData("member.removed", "member", true, true)]
    [InlineData("workspace.renamed", "workspace", true, true)]
    [InlineData("token.created", "token", false, true)]
    [InlineData("token.revoked", "token", false, true)]
    public void Classification_KnownActions_GroupFeedAndAudit(string action, string kind, bool inFeed, bool inAudit)
    {
        Assert.Equal((kind, inFeed, inAudit), (ActivityKinds.KindOf(action), ActivityKinds.InFeed(action), ActivityKinds.InAudit(action)));
    }

    [Fact]
    public void Classification_EveryCommentAction_IsAComment()
    {
        Assert.All(ActivityKinds.CommentActions, a => Assert.Equal(ActivityKinds.Comment, ActivityKinds.KindOf(a)));
        Assert.All(ActivityKinds.RunActions, a => Assert.True(ActivityKinds.InFeed(a)));
    }
}
