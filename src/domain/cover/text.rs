//! Text on a cover: cleaning and escaping it for XML, and fitting it into
//! lines without a font at hand, by generous estimates of glyph widths.

/// The text with characters XML may not hold (controls, non-characters)
/// dropped and runs of white space folded into one space.
pub fn clean(text: &str) -> String {
    text.split(|c: char| c.is_whitespace())
        .filter(|w| !w.is_empty())
        .map(|w| {
            w.chars()
                .filter(|c| !c.is_control() && !matches!(c, '\u{fffe}' | '\u{ffff}'))
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The text escaped for an XML element or a quoted attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Chinese characters and Japanese kana: the title is in Chinese.
pub fn is_han_or_kana(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30ff | 0x3400..=0x4dbf | 0x4e00..=0x9fff | 0xf900..=0xfaff | 0x20000..=0x3134f)
}

/// Characters set a full em wide: CJK, Hangul, full-width forms, emoji.
fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115f
        | 0x2e80..=0x303e
        | 0x3041..=0x33ff
        | 0x3400..=0x4dbf
        | 0x4e00..=0x9fff
        | 0xa000..=0xa4cf
        | 0xac00..=0xd7a3
        | 0xf900..=0xfaff
        | 0xfe30..=0xfe4f
        | 0xff00..=0xff60
        | 0xffe0..=0xffe6
        | 0x1f300..=0x1faff
        | 0x20000..=0x3fffd)
}

/// A character's width in ems in a bold sans-serif, rounded up.
fn em(c: char) -> f64 {
    if is_wide(c) {
        return 1.0;
    }
    match c {
        ' ' => 0.3,
        'i' | 'j' | 'l' | 'I' | '.' | ',' | ':' | ';' | '!' | '|' | '\'' => 0.32,
        'f' | 't' | 'r' | '(' | ')' | '[' | ']' | '-' | '/' | '"' => 0.42,
        'm' | 'w' | 'M' | 'W' | '@' | '%' => 0.95,
        'A'..='Z' => 0.72,
        '0'..='9' => 0.6,
        'a'..='z' => 0.6,
        c if c.is_ascii() => 0.65,
        _ => 0.8,
    }
}

/// The text's width in ems.
pub fn width(text: &str) -> f64 {
    text.chars().map(em).sum()
}

/// Punctuation that must not begin a line.
fn closes(c: char) -> bool {
    "，。、：；！？）》」』】〕”’…,.:;!?)]}%".contains(c)
}

/// Punctuation that must not end a line.
fn opens(c: char) -> bool {
    "（《「『【〔“‘([{".contains(c)
}

/// The pieces a line may break between: a Latin word, one CJK character,
/// punctuation glued to its neighbour. Each says whether a space precedes it.
fn pieces(text: &str) -> Vec<(bool, String)> {
    let mut out: Vec<(bool, String)> = Vec::new();
    let mut space = false;
    let mut glue_next = false;
    for c in text.chars() {
        if c == ' ' {
            space = true;
            glue_next = false;
            continue;
        }
        let joins_previous = !space
            && out.last().is_some_and(|(_, last)| {
                let previous = last.chars().next_back().unwrap_or(' ');
                glue_next || closes(c) || (!is_wide(c) && !is_wide(previous))
            });
        match out.last_mut() {
            Some((_, last)) if joins_previous => last.push(c),
            _ => out.push((space, c.to_string())),
        }
        space = false;
        glue_next = opens(c);
    }
    out
}

/// The text in at most `max_lines` lines of at most `max_width` ems; when it
/// does not fit, the last line ends with an ellipsis.
pub fn wrap(text: &str, max_width: f64, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for (space, piece) in pieces(text) {
        let joined = if line.is_empty() {
            piece.clone()
        } else if space {
            format!("{line} {piece}")
        } else {
            format!("{line}{piece}")
        };
        if width(&joined) <= max_width {
            line = joined;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        // A piece longer than a line is cut where it must.
        for c in piece.chars() {
            if !line.is_empty() && width(&line) + em(c) > max_width {
                lines.push(std::mem::take(&mut line));
            }
            line.push(c);
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        if let Some(last) = lines.last_mut() {
            *last = with_ellipsis(last, max_width);
        }
    }
    lines
}

/// One line: the text, or as much of it as fits followed by an ellipsis.
pub fn fit_line(text: &str, max_width: f64) -> String {
    if width(text) <= max_width {
        text.to_string()
    } else {
        with_ellipsis(text, max_width)
    }
}

fn with_ellipsis(text: &str, max_width: f64) -> String {
    let mut kept: Vec<char> = text.chars().collect();
    while !kept.is_empty() && kept.iter().map(|c| em(*c)).sum::<f64>() + em('…') > max_width {
        kept.pop();
    }
    while kept.last().is_some_and(|c| *c == ' ' || closes(*c) || opens(*c)) {
        kept.pop();
    }
    let mut out: String = kept.into_iter().collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleaning_keeps_words_and_drops_what_xml_cannot_hold() {
        assert_eq!(clean("  Rust\t\n所有权\u{0}实战 \u{fffe} "), "Rust 所有权实战");
        assert_eq!(clean("\u{7}\u{1b}"), "");
    }

    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn latin_breaks_between_words_and_cjk_between_characters() {
        let lines = wrap("Async Rust with Tokio: Building a TCP Service", 14.0, 3);
        assert!(lines.len() > 1);
        for line in &lines {
            assert!(width(line) <= 14.0, "{line}");
            assert!(!line.starts_with(' ') && !line.ends_with(' '), "{line:?}");
        }
        assert_eq!(lines.join(" "), "Async Rust with Tokio: Building a TCP Service");
        let lines = wrap("机器学习入门：用从零实现线性回归", 7.0, 5);
        assert_eq!(lines[0], "机器学习入门：", "the colon stays with its sentence");
        assert!(lines.iter().all(|l| !l.starts_with('：')));
    }

    #[test]
    fn too_long_ends_with_an_ellipsis_inside_the_width() {
        let lines = wrap("一二三四五六七八九十一二三四五六七八九十", 5.0, 2);
        assert_eq!(lines.len(), 2);
        assert!(lines[1].ends_with('…'));
        assert!(width(&lines[1]) <= 5.0);
        let one = fit_line("Supercalifragilisticexpialidocious", 6.0);
        assert!(one.ends_with('…') && width(&one) <= 6.0, "{one}");
        assert_eq!(fit_line("Go", 6.0), "Go");
    }
}
