using NeuroLab.Web.Annotations;

namespace NeuroLab.Web.Tests.Annotations;

/// <summary>
/// Comment bodies rendered by Markdig and cleaned by HtmlSanitizer: formatting survives, nothing that runs survives. The
/// corpus follows the OWASP XSS filter evasion cheat sheet (script tags, event handlers, javascript:/data:/vbscript:
/// URLs with encodings and case tricks, SVG/MathML, style, iframes, forms, Markdown link and image forms).
/// </summary>
public sealed class AnnotationMarkdownTests
{
    public static TheoryData<string> Attacks() =>
    [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=https://evil.example/xss.js></SCRIPT>",
        "<img src=x onerror=alert(1)>",
        "<IMG SRC=\"javascript:alert('XSS');\">",
        "<svg/onload=alert(1)>",
        "<svg><script>alert(1)</script></svg>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "<body onload=alert(1)>",
        "<iframe src=\"javascript:alert(1)\"></iframe>",
        "<a href=\"javascript:alert(1)\">click</a>",
        "<a href=\"JaVaScRiPt:alert(1)\">click</a>",
        "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)\">click</a>",
        "<a href=\"jav&#x09;ascript:alert(1)\">click</a>",
        "<div style=\"background:url(javascript:alert(1))\">x</div>",
        "<style>@import 'https://evil.example/x.css';</style>",
        "<form action=\"https://evil.example\"><input type=submit></form>",
        "<object data=\"javascript:alert(1)\"></object>",
        "<embed src=\"javascript:alert(1)\">",
        "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
        "[click](javascript:alert(1))",
        "[click](JAVASCRIPT:alert(1))",
        "[click](  javascript:alert(1) )",
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[click](vbscript:msgbox(1))",
        "![x](javascript:alert(1))",
        "![pixel](https://tracker.example/p.gif)",
        "<https://example.org\" onmouseover=\"alert(1)>",
        "[x](https://example.org \"title\\\" onmouseover=alert(1) x=\\\"\")",
        "`<script>` and ```\n<script>alert(1)</script>\n```",
        "<details open ontoggle=alert(1)>",
        "<video><source onerror=\"alert(1)\"></video>",
        "<a href=\"https://example.org\" onclick=\"alert(1)\">ok</a>",
    ];

    private static readonly HashSet<string> SafeElements =
    [
        "p", "br", "hr", "strong", "em", "del", "s", "sub", "sup", "mark", "ins", "code", "pre", "kbd", "blockquote",
        "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody", "tr", "th", "td", "span",
    ];

    [Theory]
    [MemberData(nameof(Attacks))]
    public void ToHtml_Attack_NothingExecutable(string markdown)
    {
        var html = AnnotationMarkdown.ToHtml(markdown);
        // Judge the DOM a browser would build (AngleSharp's HTML5 parser), not the text: escaped markup shown as text is harmless.
        var document = new AngleSharp.Html.Parser.HtmlParser().ParseDocument($"<body>{html}</body>");
        foreach (var element in document.Body!.QuerySelectorAll("*"))
        {
            Assert.Contains(element.LocalName, SafeElements);
            foreach (var attribute in element.Attributes)
            {
                Assert.Contains(attribute.Name, (string[])["href", "title", "align", "start", "rel", "target"]);
                if (attribute.Name == "href")
                {
                    Assert.Matches("^(https?|mailto):", attribute.Value.Trim().ToLowerInvariant());
                }
            }
        }
        Assert.DoesNotContain("tracker.example/p.gif\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public void ToHtml_Markdown_KeepsFormattingLinksTablesAndCode()
    {
        var html = AnnotationMarkdown.ToHtml("**bold** _it_ ~~gone~~ `x<y`\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n> quote\n\nsee https://example.org/x?a=1&b=2 and [mail](mailto:a@lab.org)");
        Assert.Contains("<strong>bold</strong>", html, StringComparison.Ordinal);
        Assert.Contains("<em>it</em>", html, StringComparison.Ordinal);
        Assert.Contains("<del>gone</del>", html, StringComparison.Ordinal);
        Assert.Contains("<code>x&lt;y</code>", html, StringComparison.Ordinal);
        Assert.Contains("<li>two</li>", html, StringComparison.Ordinal);
        Assert.Contains("<td>2</td>", html, StringComparison.Ordinal);
        Assert.Contains("<blockquote>", html, StringComparison.Ordinal);
        Assert.Contains("href=\"https://example.org/x?a=1&amp;b=2\"", html, StringComparison.Ordinal);
        Assert.Contains("href=\"mailto:a@lab.org\"", html, StringComparison.Ordinal);
        Assert.Contains("rel=\"nofollow noopener noreferrer\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public void ToHtml_RawHtml_IsShownAsText()
    {
        var html = AnnotationMarkdown.ToHtml("<b>not bold</b> & <script>x</script>");
        Assert.Contains("&lt;b&gt;not bold&lt;/b&gt;", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", html, StringComparison.Ordinal);
    }
}
