//! Markdown, the one way users write: pulldown-cmark with explicit options,
//! code highlighted by class (no inline styles, so the CSP holds), sanitized by
//! ammonia. Rendered once when saved; the HTML is stored beside the source.

use std::collections::HashSet;
use std::sync::OnceLock;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};
use syntect::html::{ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

/// The prefix of every highlighting class; the colours live in static/css/highlight.css.
pub const HIGHLIGHT_PREFIX: &str = "hl-";
const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed {
    prefix: HIGHLIGHT_PREFIX,
};

/// Tables, strikethrough and task lists; no smart punctuation (it would
/// rewrite `--` and quotes inside prose about code).
fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_newlines)
}

/// Renders Markdown to safe HTML.
///
/// Raw HTML in the source is shown as text, never interpreted: users write
/// Markdown, and everything that reaches the page was made by the renderer.
/// ammonia then checks the result against an allowlist all the same.
pub fn render(source: &str) -> String {
    let mut events = Vec::new();
    let mut code: Option<(String, String)> = None;
    // Whether each open link and image was kept: a refused one loses its
    // target but keeps its text.
    let mut links: Vec<bool> = Vec::new();
    let mut images: Vec<bool> = Vec::new();
    // Adjacent text (the parser splits it at `_` and the like) is joined
    // before its `@mentions` are linked.
    let mut text = String::new();
    for event in Parser::new_ext(source, options()) {
        if let Event::Text(t) = &event {
            if code.is_none() && links.is_empty() && images.is_empty() {
                text.push_str(t);
                continue;
            }
        }
        if !text.is_empty() {
            push_mentions(&mut events, &std::mem::take(&mut text));
        }
        if let Some((lang, buf)) = code.as_mut() {
            match event {
                Event::Text(text) => buf.push_str(&text),
                Event::End(TagEnd::CodeBlock) => {
                    let html = highlight(lang, buf);
                    events.push(Event::Html(CowStr::from(html)));
                    code = None;
                }
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => info.split_whitespace().next().unwrap_or("").to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                code = Some((lang, String::new()));
            }
            Event::Html(raw) | Event::InlineHtml(raw) => events.push(Event::Text(raw)),
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let keep = link_type == LinkType::Email || is_safe_url(&dest_url);
                links.push(keep);
                if keep {
                    events.push(Event::Start(Tag::Link {
                        link_type,
                        dest_url,
                        title,
                        id,
                    }));
                }
            }
            Event::End(TagEnd::Link) => {
                if links.pop().unwrap_or(true) {
                    events.push(Event::End(TagEnd::Link));
                }
            }
            Event::Start(Tag::Image {
                dest_url,
                title,
                id,
                link_type,
            }) => {
                let keep = is_safe_url(&dest_url);
                images.push(keep);
                if keep {
                    events.push(Event::Start(Tag::Image {
                        link_type,
                        dest_url,
                        title,
                        id,
                    }));
                }
            }
            Event::End(TagEnd::Image) => {
                if images.pop().unwrap_or(true) {
                    events.push(Event::End(TagEnd::Image));
                }
            }
            other => events.push(other),
        }
    }
    if !text.is_empty() {
        push_mentions(&mut events, &text);
    }
    let mut html = String::with_capacity(source.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    sanitizer().clean(&html).to_string()
}

/// Pushes `text` with each `@username` in it linked to the member's
/// profile: the rules of `domain::trust::mentions_in` (not inside a word or
/// an email address; 3 to 32 letters, digits, `_` or `-`). Code never gets
/// here (it is its own event).
fn push_mentions<'a>(events: &mut Vec<Event<'a>>, text: &str) {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut plain_from = 0;
    let mut i = 0;
    while i < chars.len() {
        let (at, c) = chars[i];
        if c == '@' {
            let starts = i == 0 || {
                let b = chars[i - 1].1;
                !(b.is_alphanumeric() || matches!(b, '_' | '-' | '.'))
            };
            let name: String = chars[i + 1..]
                .iter()
                .map(|(_, c)| *c)
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
                .collect();
            let name = name.trim_end_matches(['-', '_']);
            if starts && (3..=32).contains(&name.len()) {
                if plain_from < at {
                    events.push(Event::Text(CowStr::from(text[plain_from..at].to_string())));
                }
                events.push(Event::Html(CowStr::from(format!(
                    "<a href=\"/u/{name}\">@{name}</a>"
                ))));
                plain_from = at + 1 + name.len();
                i += 1 + name.len();
                continue;
            }
        }
        i += 1;
    }
    if plain_from < text.len() {
        events.push(Event::Text(CowStr::from(text[plain_from..].to_string())));
    }
}

/// Only web links and site-relative paths; never javascript:, data: or vbscript:.
fn is_safe_url(url: &str) -> bool {
    let url = url.trim();
    if url.starts_with('/') || url.starts_with('#') || url.starts_with('?') {
        return !url.starts_with("//") || url.starts_with("///");
    }
    match url.split_once(':') {
        Some((scheme, _)) => {
            // A colon after a slash belongs to a relative path, not a scheme.
            if scheme.contains('/') {
                return true;
            }
            matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https" | "mailto")
        }
        None => true,
    }
}

fn highlight(lang: &str, code: &str) -> String {
    let set = syntaxes();
    let syntax = (!lang.is_empty())
        .then(|| set.find_syntax_by_token(lang))
        .flatten();
    let lang_class = if lang
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '+')
        && !lang.is_empty()
    {
        format!(" class=\"language-{}\"", lang.to_ascii_lowercase())
    } else {
        String::new()
    };
    let body = match syntax {
        Some(syntax) => {
            let mut gen = ClassedHTMLGenerator::new_with_class_style(syntax, set, CLASS_STYLE);
            let mut ok = true;
            for line in LinesWithEndings::from(code) {
                if gen.parse_html_for_line_which_includes_newline(line).is_err() {
                    ok = false;
                    break;
                }
            }
            if ok {
                gen.finalize()
            } else {
                escape(code)
            }
        }
        None => escape(code),
    };
    format!("<pre class=\"code\"><code{lang_class}>{body}</code></pre>\n")
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn sanitizer() -> &'static ammonia::Builder<'static> {
    static BUILDER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    BUILDER.get_or_init(|| {
        let tags: HashSet<&str> = [
            "a",
            "blockquote",
            "br",
            "code",
            "del",
            "em",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "hr",
            "img",
            "input",
            "li",
            "ol",
            "p",
            "pre",
            "span",
            "strong",
            "table",
            "tbody",
            "td",
            "th",
            "thead",
            "tr",
            "ul",
        ]
        .into_iter()
        .collect();
        let mut builder = ammonia::Builder::default();
        builder
            .tags(tags)
            .url_schemes(["http", "https", "mailto"].into_iter().collect())
            .link_rel(Some("nofollow ugc noopener"))
            .add_tag_attributes("a", &["href", "title"])
            .add_tag_attributes("img", &["src", "alt", "title"])
            .add_tag_attributes("input", &["type", "checked", "disabled"])
            .add_tag_attributes("th", &["style"])
            .add_tag_attributes("td", &["style"])
            .add_tag_attributes("span", &["class"])
            .add_tag_attributes("code", &["class"])
            .add_tag_attributes("pre", &["class"])
            .attribute_filter(|element, attribute, value| match (element, attribute) {
                // Only the classes the highlighter makes.
                (_, "class") => {
                    let kept: Vec<&str> = value
                        .split_whitespace()
                        .filter(|c| {
                            c.starts_with(HIGHLIGHT_PREFIX) || c.starts_with("language-") || *c == "code"
                        })
                        .collect();
                    (!kept.is_empty()).then(|| kept.join(" ").into())
                }
                // Task-list checkboxes only, and never editable.
                ("input", "type") => (value == "checkbox").then(|| value.into()),
                // Table alignment is the only style pulldown-cmark writes;
                // it is turned into nothing (CSS aligns by the `align` of the column).
                (_, "style") => None,
                _ => Some(value.into()),
            });
        builder
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_linked_to_profiles_but_not_in_code_links_or_addresses() {
        let html =
            render("hi @ana_b and @bo, see `@carl` and ana@example.com\n\n```\n@dora\n```\n\n[@eve](/x)");
        assert!(
            html.contains(r#"<a href="/u/ana_b" rel="nofollow ugc noopener">@ana_b</a>"#),
            "{html}"
        );
        assert!(!html.contains("/u/bo"), "{html}");
        assert!(!html.contains("/u/carl"), "{html}");
        assert!(!html.contains("/u/example"), "{html}");
        assert!(!html.contains("/u/dora"), "{html}");
        assert!(!html.contains("/u/eve"), "{html}");
    }

    #[test]
    fn script_tags_are_inert() {
        let html = render("hello <script>alert(1)</script> world");
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn event_handlers_are_inert() {
        let html = render("<img src=x onerror=alert(1)> and <a href=\"#\" onclick=\"x()\">x</a>");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("<a "), "{html}");
    }

    #[test]
    fn javascript_and_data_links_lose_their_target_but_keep_their_text() {
        for src in [
            "[click](javascript:alert(1))",
            "[click](JavaScript:alert(1))",
            "[click](data:text/html;base64,PHNjcmlwdD4=)",
            "[click](vbscript:msgbox)",
            "<javascript:alert(1)>",
        ] {
            let html = render(src);
            assert!(
                !html.to_ascii_lowercase().contains("javascript:alert") || !html.contains("href"),
                "{src}: {html}"
            );
            assert!(!html.contains("href=\"javascript"), "{src}: {html}");
            assert!(!html.contains("href=\"data"), "{src}: {html}");
        }
        assert_eq!(render("[click](javascript:alert(1))").trim(), "<p>click</p>");
    }

    #[test]
    fn data_images_are_dropped() {
        let html = render("![x](data:image/svg+xml;base64,PHN2Zz4=)");
        assert!(!html.contains("<img"), "{html}");
    }

    #[test]
    fn svg_and_mathml_are_inert() {
        let html = render("<svg onload=alert(1)><circle/></svg> <math><mi>x</mi></math>");
        assert!(!html.contains("<svg") && !html.contains("<math"), "{html}");
    }

    #[test]
    fn links_get_nofollow_ugc_noopener() {
        let html = render("[site](https://example.com)");
        assert!(html.contains("rel=\"nofollow ugc noopener\""), "{html}");
    }

    #[test]
    fn images_keep_an_alt() {
        let html = render("![a cat](https://example.com/cat.png)");
        assert!(html.contains("alt=\"a cat\""), "{html}");
    }

    #[test]
    fn code_is_highlighted_with_classes_not_styles() {
        let html = render("```rust\nfn main() { let x = 1; }\n```");
        assert!(
            html.contains("<pre class=\"code\"><code class=\"language-rust\">"),
            "{html}"
        );
        assert!(html.contains("class=\"hl-"), "{html}");
        assert!(!html.contains("style="), "{html}");
    }

    #[test]
    fn unknown_languages_are_escaped_plain_code() {
        let html = render("```nosuchlang\n<b>bold</b>\n```");
        assert!(html.contains("&lt;b&gt;bold&lt;/b&gt;"), "{html}");
    }

    #[test]
    fn classes_other_than_the_highlighters_are_removed() {
        // Even if HTML with classes were to reach the sanitizer, only hl- survives.
        let cleaned = sanitizer()
            .clean("<span class=\"btn hl-keyword\">x</span>")
            .to_string();
        assert_eq!(cleaned, "<span class=\"hl-keyword\">x</span>");
    }

    #[test]
    fn no_smart_punctuation() {
        let html = render("a -- b \"quoted\"");
        assert!(html.contains("a -- b"), "{html}");
        assert!(!html.contains('“'), "{html}");
    }

    #[test]
    fn tables_strikethrough_and_tasks() {
        let html = render("|a|b|\n|-|-|\n|1|2|\n\n~~old~~\n\n- [x] done\n");
        assert!(
            html.contains("<table>") && html.contains("<del>old</del>"),
            "{html}"
        );
        assert!(html.contains("type=\"checkbox\""), "{html}");
    }
}
