//! A cover as an SVG document: the colour as a gradient, the motif, a shade
//! under the text, and the text (the category and topic, or the title when
//! the course has neither) in lines sized to read on a card.

use super::text::{escape, fit_line, width, wrap};
use super::{Cover, SVG_HEIGHT, SVG_WIDTH};

/// The page's own font stack: CJK fonts included, since an image cannot load fonts.
const FONTS: &str = "-apple-system, BlinkMacSystemFont, 'Segoe UI', 'PingFang SC', 'Hiragino Sans GB', \
                     'Microsoft YaHei', 'Noto Sans CJK SC', 'Source Han Sans SC', sans-serif";

/// Left and right margin.
const MARGIN: f64 = 40.0;

/// How much black the gradient reaches at the far corner.
pub const GRADIENT_DARKEN: f64 = 0.35;

pub fn draw(cover: &Cover) -> String {
    let (w, h) = (SVG_WIDTH, SVG_HEIGHT);
    let room = w - 2.0 * MARGIN;
    let (motif_defs, motif) = cover.motif.svg(w, h);
    let mut texts = String::new();
    let mut line = |x: f64, y: f64, size: f64, weight: u16, opacity: f64, text: &str| {
        let opacity = if opacity < 1.0 {
            format!(" fill-opacity=\"{opacity}\"")
        } else {
            String::new()
        };
        texts.push_str(&format!(
            "<text x=\"{x}\" y=\"{y:.0}\" font-size=\"{size:.0}\" font-weight=\"{weight}\"{opacity}>{}</text>",
            escape(text)
        ));
    };
    if cover.topic.is_empty() {
        // No category and no tags: the title is the cover.
        let lines = wrap(&cover.title, room / 44.0, 3);
        let first = 316.0 - 56.0 * (lines.len().max(1) - 1) as f64;
        for (i, text) in lines.iter().enumerate() {
            line(MARGIN, first + 56.0 * i as f64, 44.0, 700, 1.0, text);
        }
    } else {
        // The topic as large as fits in a line (48 to 96), or in two lines
        // at 48; the category above it. The card's own text gives the title.
        let size = (room / width(&cover.topic).max(0.1)).clamp(48.0, 96.0).floor();
        let lines = wrap(&cover.topic, room / size, 2);
        let first = 304.0 - size * 1.1 * (lines.len().max(1) - 1) as f64;
        for (i, text) in lines.iter().enumerate() {
            line(MARGIN, first + size * 1.1 * i as f64, size, 700, 1.0, text);
        }
        if !cover.eyebrow.is_empty() {
            let y = first - size * 0.78 - 22.0;
            line(MARGIN, y, 30.0, 600, 0.92, &fit_line(&cover.eyebrow, room / 30.0));
        }
    }
    let base = cover.colour.hex();
    let dark = cover.colour.darker(GRADIENT_DARKEN).hex();
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" xml:lang=\"{lang}\">\
<defs>\
<linearGradient id=\"colour\" x1=\"0\" y1=\"0\" x2=\"1\" y2=\"1\"><stop offset=\"0\" stop-color=\"{base}\"/><stop offset=\"1\" stop-color=\"{dark}\"/></linearGradient>\
<linearGradient id=\"shade\" x1=\"0\" y1=\"0\" x2=\"0\" y2=\"1\"><stop offset=\"0\" stop-color=\"#000\" stop-opacity=\"0\"/><stop offset=\"1\" stop-color=\"#000\" stop-opacity=\"0.35\"/></linearGradient>\
{motif_defs}\
</defs>\
<rect width=\"{w}\" height=\"{h}\" fill=\"url(#colour)\"/>\
{motif}\
<rect y=\"120\" width=\"{w}\" height=\"{shade}\" fill=\"url(#shade)\"/>\
<g fill=\"#fff\" font-family=\"{FONTS}\">{texts}</g>\
</svg>\n",
        lang = cover.lang,
        shade = h - 120.0,
    )
}
