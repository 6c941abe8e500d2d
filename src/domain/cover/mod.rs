//! Generated course covers, drawn without I/O: a course without an uploaded
//! cover gets one in its category's colour, with its topic and title over a
//! geometric motif chosen from its id; as SVG for pages, and as PNG (colour,
//! motif and the Klearn mark, no text) for link previews, whose crawlers
//! refuse SVG.

mod motif;
pub mod png;
mod raster;
mod svg;
mod text;

use klearn_db::CourseId;
use sha2::{Digest, Sha256};

pub use motif::Motif;

/// Bumped whenever the drawing changes, so that every cached cover is redrawn.
const DRAWING_VERSION: &str = "1";

/// The size of the SVG (16:9, like uploaded covers), in its own units.
pub const SVG_WIDTH: f64 = 640.0;
pub const SVG_HEIGHT: f64 = 360.0;

/// The size of the PNG: what link previews ask for (1.91:1).
pub const PNG_WIDTH: u32 = 1200;
pub const PNG_HEIGHT: u32 = 630;

/// A colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// This colour with `amount` (0–1) of black mixed in.
    pub fn darker(self, amount: f64) -> Rgb {
        let k = 1.0 - amount.clamp(0.0, 1.0);
        let f = |c: u8| (c as f64 * k).round() as u8;
        Rgb(f(self.0), f(self.1), f(self.2))
    }

    /// Relative luminance (WCAG 2).
    pub fn luminance(self) -> f64 {
        let lin = |c: u8| {
            let c = c as f64 / 255.0;
            if c <= 0.03928 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(self.0) + 0.7152 * lin(self.1) + 0.0722 * lin(self.2)
    }
}

/// The category colours: dark enough that white text on them, with the
/// motif's light overlay, stays at 4.5:1 or more (a test holds them to it).
pub const PALETTE: [Rgb; 12] = [
    Rgb(0xa6, 0x3d, 0x14), // rust
    Rgb(0x00, 0x69, 0x7a), // teal
    Rgb(0x2b, 0x5b, 0x9c), // blue
    Rgb(0x6a, 0x3f, 0xa0), // violet
    Rgb(0xb0, 0x26, 0x3f), // crimson
    Rgb(0x2b, 0x6a, 0x3c), // green
    Rgb(0x85, 0x50, 0x00), // amber
    Rgb(0x3e, 0x54, 0x68), // slate
    Rgb(0x9c, 0x2a, 0x7a), // magenta
    Rgb(0x39, 0x49, 0xab), // indigo
    Rgb(0x56, 0x62, 0x10), // olive
    Rgb(0x1a, 0x64, 0x91), // ocean
];

/// A course without a category.
const UNCATEGORISED: Rgb = PALETTE[7];

/// A category's colour, from its slug (which never changes, unlike its
/// names and position). The categories every site starts with have colours
/// picked to tell them apart; others take one by a hash of the slug.
pub fn category_colour(slug: &str) -> Rgb {
    let index = match slug {
        "rust" => 0,
        "go" => 1,
        "python" => 2,
        "ai-ml" => 3,
        "frontend" => 8,
        "databases" => 9,
        "devops" => 5,
        "career" => 6,
        _ => (fnv1a(slug.as_bytes()) % PALETTE.len() as u64) as usize,
    };
    PALETTE[index]
}

/// FNV-1a: a stable hash (the standard library's may change between releases).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ *b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A course's category, as its cover needs it.
#[derive(Debug, Clone, Copy)]
pub struct CoverCategory<'a> {
    pub slug: &'a str,
    pub name_zh: &'a str,
    pub name_en: &'a str,
}

/// Everything a generated cover shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Cover {
    pub colour: Rgb,
    pub motif: Motif,
    /// The language of the course's title (`zh-CN` or `en`), for glyph choice.
    pub lang: &'static str,
    /// A small line above the topic: the category, when the topic is a tag.
    pub eyebrow: String,
    /// The big word: the course's first tag that is not just its category,
    /// else the category's name.
    pub topic: String,
    /// Drawn only when there is no topic: the card or page around the cover shows it.
    pub title: String,
}

impl Cover {
    /// The cover of a course: the category's name in the language of the
    /// course's title, its tags in their order.
    pub fn for_course(
        id: CourseId,
        title: &str,
        tags: &[String],
        category: Option<CoverCategory<'_>>,
    ) -> Cover {
        let title = text::clean(title);
        let zh = title.chars().any(text::is_han_or_kana);
        let category_name = category
            .map(|c| text::clean(if zh { c.name_zh } else { c.name_en }))
            .filter(|n| !n.is_empty());
        let is_category = |tag: &str| {
            category.is_some_and(|c| {
                [c.slug, c.name_zh, c.name_en]
                    .iter()
                    .any(|n| n.trim().to_lowercase() == tag.to_lowercase())
            })
        };
        let tags: Vec<String> = tags
            .iter()
            .map(|t| text::clean(t))
            .filter(|t| !t.is_empty())
            .collect();
        let topic = tags
            .iter()
            .find(|t| !is_category(t))
            .cloned()
            .or_else(|| category_name.clone())
            .or_else(|| tags.first().cloned())
            .unwrap_or_default();
        let eyebrow = match &category_name {
            Some(name) if *name != topic => name.clone(),
            _ => String::new(),
        };
        Cover {
            colour: category.map_or(UNCATEGORISED, |c| category_colour(c.slug)),
            motif: Motif::for_course(id.0),
            lang: if zh { "zh-CN" } else { "en" },
            eyebrow,
            topic,
            title,
        }
    }

    /// The cover as an SVG document.
    pub fn svg(&self) -> String {
        svg::draw(self)
    }

    /// The cover's colour and motif, with the Klearn mark, as a PNG of
    /// `PNG_WIDTH` × `PNG_HEIGHT`.
    pub fn png(&self) -> std::io::Result<Vec<u8>> {
        let pixels = raster::draw(self, PNG_WIDTH, PNG_HEIGHT);
        png::encode_rgb(PNG_WIDTH, PNG_HEIGHT, &pixels)
    }

    /// A strong validator of the SVG: it changes exactly when the drawing does.
    pub fn svg_etag(&self) -> String {
        etag("svg", &self.svg())
    }

    /// A strong validator of the PNG, which shows no text.
    pub fn png_etag(&self) -> String {
        etag("png", &format!("{:?}|{:?}", self.colour, self.motif))
    }
}

fn etag(format: &str, what: &str) -> String {
    let digest = Sha256::digest(format!("{DRAWING_VERSION}|{format}|{what}").as_bytes());
    format!("\"{format}-{}\"", hex::encode(&digest[..12]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn category() -> CoverCategory<'static> {
        CoverCategory {
            slug: "databases",
            name_zh: "数据库",
            name_en: "Databases",
        }
    }

    fn tags(list: &[&str]) -> Vec<String> {
        list.iter().map(|t| t.to_string()).collect()
    }

    fn contrast(a: Rgb, b: Rgb) -> f64 {
        let (la, lb) = (a.luminance(), b.luminance());
        (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
    }

    #[test]
    fn white_text_stays_readable_on_every_colour_under_the_motif() {
        let white = Rgb(255, 255, 255);
        for colour in PALETTE {
            let strongest = Motif::MAX_OPACITY;
            let lightened = Rgb(
                (colour.0 as f64 + (255.0 - colour.0 as f64) * strongest).round() as u8,
                (colour.1 as f64 + (255.0 - colour.1 as f64) * strongest).round() as u8,
                (colour.2 as f64 + (255.0 - colour.2 as f64) * strongest).round() as u8,
            );
            assert!(
                contrast(lightened, white) >= 4.45,
                "{} under the motif: {:.2}",
                colour.hex(),
                contrast(lightened, white)
            );
        }
    }

    #[test]
    fn the_first_categories_have_colours_of_their_own() {
        let slugs = [
            "rust",
            "go",
            "python",
            "frontend",
            "ai-ml",
            "databases",
            "devops",
            "career",
        ];
        let colours: std::collections::HashSet<Rgb> = slugs.iter().map(|s| category_colour(s)).collect();
        assert_eq!(colours.len(), slugs.len());
        assert_eq!(category_colour("embedded"), category_colour("embedded"));
    }

    #[test]
    fn the_topic_is_the_first_tag_that_is_not_the_category() {
        let c = Cover::for_course(
            CourseId(3),
            "PostgreSQL Query Tuning",
            &tags(&["Databases", "postgresql", "sql"]),
            Some(category()),
        );
        assert_eq!(c.topic, "postgresql");
        assert_eq!(c.eyebrow, "Databases");
        assert_eq!(c.lang, "en");
        // A Chinese title: the category's Chinese name.
        let c = Cover::for_course(CourseId(3), "数据库索引实战", &tags(&["索引"]), Some(category()));
        assert_eq!(
            (c.topic.as_str(), c.eyebrow.as_str(), c.lang),
            ("索引", "数据库", "zh-CN")
        );
        // No tags: the category is the topic, said once.
        let c = Cover::for_course(CourseId(3), "数据库索引实战", &[], Some(category()));
        assert_eq!((c.topic.as_str(), c.eyebrow.as_str()), ("数据库", ""));
        // Neither: only the title.
        let c = Cover::for_course(CourseId(3), "Untitled", &[], None);
        assert_eq!((c.topic.as_str(), c.colour), ("", UNCATEGORISED));
    }

    #[test]
    fn the_same_course_draws_the_same_cover_and_neighbours_differ() {
        let draw = |id: i64| {
            Cover::for_course(
                CourseId(id),
                "Rust 所有权实战",
                &tags(&["rust", "所有权"]),
                Some(category()),
            )
        };
        assert_eq!(draw(7).svg(), draw(7).svg());
        assert_eq!(draw(7).png().unwrap(), draw(7).png().unwrap());
        assert_eq!(draw(7).svg_etag(), draw(7).svg_etag());
        for id in 1..40 {
            assert_ne!(draw(id).motif, draw(id + 1).motif, "courses {id} and {}", id + 1);
            assert_ne!(draw(id).svg(), draw(id + 1).svg());
        }
        assert_ne!(draw(7).svg_etag(), draw(8).svg_etag());
        assert_ne!(draw(7).png_etag(), draw(8).png_etag());
    }

    #[test]
    fn the_preview_is_a_png_of_the_size_link_previews_want() {
        let png = Cover::for_course(CourseId(2), "Go", &[], None).png().unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png[12..16], b"IHDR");
        assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), PNG_WIDTH);
        assert_eq!(u32::from_be_bytes(png[20..24].try_into().unwrap()), PNG_HEIGHT);
        assert!(png.ends_with(b"IEND\xaeB`\x82"));
        assert!(png.len() < 400_000, "compressed: {} bytes", png.len());
    }

    #[test]
    fn the_etag_follows_what_is_drawn() {
        let a = Cover::for_course(CourseId(1), "One", &tags(&["go"]), Some(category()));
        let b = Cover::for_course(CourseId(1), "One", &tags(&["sql"]), Some(category()));
        assert_ne!(a.svg_etag(), b.svg_etag(), "the topic is drawn in the SVG");
        assert_eq!(a.png_etag(), b.png_etag(), "but not in the PNG");
        let (c, d) = (
            Cover::for_course(CourseId(1), "One", &[], None),
            Cover::for_course(CourseId(1), "Two", &[], None),
        );
        assert_ne!(c.svg_etag(), d.svg_etag(), "a title drawn for want of a topic");
        assert!(a.svg_etag().starts_with('"') && a.svg_etag().ends_with('"'));
        assert!(!a.svg_etag().starts_with("W/"), "strong");
    }

    #[test]
    fn titles_tags_and_names_are_escaped_in_the_svg() {
        let c = Cover::for_course(
            CourseId(5),
            "<script>alert(1)</script> & \"quotes\" 'too'\u{7}",
            &[],
            None,
        );
        let svg = c.svg();
        assert!(!svg.contains("<script"), "{svg}");
        assert!(svg.contains("&lt;script&gt;"), "{svg}");
        assert!(svg.contains("&amp; &quot;quotes&quot;"), "{svg}");
        assert!(!svg.contains('\u{7}'), "control characters are dropped");
        let c = Cover::for_course(
            CourseId(5),
            "Title",
            &tags(&["a<b&\"c\""]),
            Some(CoverCategory {
                slug: "x",
                name_zh: "<i>",
                name_en: "<b>&amp;",
            }),
        );
        let svg = c.svg();
        assert!(svg.contains(">a&lt;b&amp;&quot;c&quot;<"), "{svg}");
        assert!(svg.contains(">&lt;b&gt;&amp;amp;<"), "{svg}");
        assert!(!svg.contains("<b>") && !svg.contains("<i>"), "{svg}");
        // Every element that opens closes: a well-formed document.
        assert_eq!(svg.matches("<text").count(), svg.matches("</text>").count());
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn chinese_titles_are_drawn_as_text() {
        let c = Cover::for_course(
            CourseId(9),
            "机器学习入门：用 Python 从零实现线性回归",
            &tags(&["python", "机器学习"]),
            Some(CoverCategory {
                slug: "ai-ml",
                name_zh: "人工智能与机器学习",
                name_en: "AI / ML",
            }),
        );
        let svg = c.svg();
        assert!(svg.contains("xml:lang=\"zh-CN\""));
        assert!(svg.contains(">python<"), "{svg}");
        assert!(svg.contains(">人工智能与机器学习<"), "{svg}");
        let c = Cover::for_course(CourseId(9), "机器学习入门：用 Python 从零实现线性回归", &[], None);
        let svg = c.svg();
        assert!(svg.contains(">机器学习入门：用 Python</text>"), "{svg}");
        assert!(
            svg.contains(">从零实现线性回归</text>"),
            "the rest on a line of its own"
        );
    }
}
