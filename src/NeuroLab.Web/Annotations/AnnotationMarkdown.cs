using Ganss.Xss;
using Markdig;

namespace NeuroLab.Web.Annotations;

/// <summary>
/// Comment bodies: Markdown (CommonMark with tables, strikethrough, autolinks; raw HTML shown as text) rendered by
/// Markdig, then cleaned by HtmlSanitizer with an allow-list: text formatting, lists, code, quotes, tables and links
/// (http, https, mailto only; rel="nofollow noopener noreferrer"). No images (a remote image is a tracking pixel), no
/// scripts, styles, event handlers, forms or frames. What the UI renders and the API returns as <c>bodyHtml</c>.
/// </summary>
public static class AnnotationMarkdown
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .DisableHtml()
        .UseAutoLinks()
        .UsePipeTables()
        .UseEmphasisExtras()
        .UseSoftlineBreakAsHardlineBreak()
        .Build();

    private static readonly HtmlSanitizer Sanitizer = CreateSanitizer();

    /// <summary>The sanitised HTML of a Markdown body.</summary>
    public static string ToHtml(string markdown) =>
        Sanitizer.Sanitize(Markdown.ToHtml(markdown ?? string.Empty, Pipeline)).Trim();

    private static HtmlSanitizer CreateSanitizer()
    {
        var options = new HtmlSanitizerOptions
        {
            AllowedTags = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
            {
                "p", "br", "hr", "strong", "em", "del", "s", "sub", "sup", "mark", "ins", "code", "pre", "kbd", "blockquote",
                "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody", "tr", "th", "td", "span",
            },
            AllowedAttributes = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "href", "title", "align", "start" },
            AllowedSchemes = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "http", "https", "mailto" },
            UriAttributes = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "href" },
            AllowedCssProperties = new HashSet<string>(StringComparer.OrdinalIgnoreCase),
            AllowedAtRules = new HashSet<AngleSharp.Css.Dom.CssRuleType>(),
        };
        var sanitizer = new HtmlSanitizer(options) { KeepChildNodes = true };
        sanitizer.PostProcessNode += (_, e) =>
        {
            if (e.Node is AngleSharp.Dom.IElement { LocalName: "a" } link)
            {
                link.SetAttribute("rel", "nofollow noopener noreferrer");
                link.SetAttribute("target", "_blank");
            }
        };
        return sanitizer;
    }
}
