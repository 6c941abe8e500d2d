//! A cover's colour and motif as pixels, the way the SVG draws them: the
//! same gradient and the same shapes (from their distance fields), and the
//! Klearn mark in a corner. No text: that would need a font rasteriser and
//! fonts for every script.

use super::svg::GRADIENT_DARKEN;
use super::{Cover, SVG_WIDTH};

/// Rows of RGB pixels, `width` × `height`. The motif keeps its SVG size: the
/// image shows the SVG's full width and as much of its height as the shape allows.
pub fn draw(cover: &Cover, width: u32, height: u32) -> Vec<u8> {
    let base = cover.colour;
    let dark = base.darker(GRADIENT_DARKEN);
    let pixel = SVG_WIDTH / width as f64;
    let mut out = Vec::with_capacity(width as usize * height as usize * 3);
    for py in 0..height {
        let y = (py as f64 + 0.5) * pixel;
        for px in 0..width {
            let x = (px as f64 + 0.5) * pixel;
            // The SVG's gradient runs corner to corner of the box.
            let t = ((px as f64 + 0.5) / width as f64 + (py as f64 + 0.5) / height as f64) / 2.0;
            let a = cover.motif.alpha(x, y, pixel);
            for (from, to) in [(base.0, dark.0), (base.1, dark.1), (base.2, dark.2)] {
                let under = from as f64 + (to as f64 - from as f64) * t;
                out.push((under + (255.0 - under) * a).round() as u8);
            }
        }
    }
    stamp_mark(&mut out, width, height, cover.colour);
    out
}

/// The K of Klearn's logo (static/img/logo.svg), in its 32 × 32 box.
const K: [(f64, f64); 12] = [
    (9.0, 7.0),
    (13.0, 7.0),
    (13.0, 15.2),
    (19.6, 7.0),
    (24.5, 7.0),
    (17.3, 15.7),
    (25.0, 25.0),
    (20.0, 25.0),
    (14.4, 18.1),
    (13.0, 19.8),
    (13.0, 25.0),
    (9.0, 25.0),
];

/// The logo in the bottom left corner: a white rounded square with the K
/// cut out in the cover's colour.
fn stamp_mark(pixels: &mut [u8], width: u32, height: u32, colour: super::Rgb) {
    let size = (height / 7) as usize;
    let scale = size as f64 / 32.0;
    let margin = (height / 12) as usize;
    let (left, top) = (margin, height as usize - margin - size);
    for py in top..top + size {
        for px in left..left + size {
            let x = (px - left) as f64 / scale + 0.5 / scale;
            let y = (py - top) as f64 / scale + 0.5 / scale;
            let square = (0.5 - rounded_square(x, y) * scale).clamp(0.0, 1.0);
            let k = (0.5 - polygon(&K, x, y) * scale).clamp(0.0, 1.0);
            let at = (py * width as usize + px) * 3;
            for (i, ink) in [colour.0, colour.1, colour.2].into_iter().enumerate() {
                let under = pixels[at + i] as f64;
                let white = under + (255.0 - under) * square;
                pixels[at + i] = (white + (ink as f64 - white) * k).round() as u8;
            }
        }
    }
}

/// Signed distance to the logo's square (32 wide, corners of radius 7).
fn rounded_square(x: f64, y: f64) -> f64 {
    let (qx, qy) = ((x - 16.0).abs() - 9.0, (y - 16.0).abs() - 9.0);
    qx.max(0.0).hypot(qy.max(0.0)) + qx.max(qy).min(0.0) - 7.0
}

/// Signed distance to a polygon: negative inside (even-odd rule).
fn polygon(points: &[(f64, f64)], x: f64, y: f64) -> f64 {
    let mut nearest = f64::MAX;
    let mut inside = false;
    for (i, &(ax, ay)) in points.iter().enumerate() {
        let (bx, by) = points[(i + 1) % points.len()];
        let (ex, ey) = (bx - ax, by - ay);
        let t = (((x - ax) * ex + (y - ay) * ey) / (ex * ex + ey * ey)).clamp(0.0, 1.0);
        nearest = nearest.min((x - ax - ex * t).hypot(y - ay - ey * t));
        if (ay > y) != (by > y) && x < ax + (y - ay) / (by - ay) * ex {
            inside = !inside;
        }
    }
    if inside {
        -nearest
    } else {
        nearest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mark_is_a_white_square_with_a_k_in_the_cover_colour() {
        assert!(rounded_square(16.0, 16.0) < 0.0);
        assert!(rounded_square(0.5, 0.5) > 0.0, "the corners are round");
        assert!(polygon(&K, 11.0, 16.0) < 0.0, "the K's stem");
        assert!(polygon(&K, 16.0, 10.0) > 0.0, "between its arms");
        assert!(polygon(&K, 20.0, 22.0) < 0.0, "its lower leg");
        let colour = super::super::Rgb(10, 20, 30);
        let (w, h) = (140u32, 70u32);
        let mut pixels = vec![0u8; (w * h * 3) as usize];
        stamp_mark(&mut pixels, w, h, colour);
        let size = (h / 7) as f64;
        let at = |x: f64, y: f64| {
            let (px, py) = (
                (5.0 + x * size / 32.0) as usize,
                (h as f64 - 5.0 - size + y * size / 32.0) as usize,
            );
            let i = (py * w as usize + px) * 3;
            (pixels[i], pixels[i + 1], pixels[i + 2])
        };
        assert_eq!(at(5.0, 16.0), (255, 255, 255));
        assert_eq!(at(11.0, 16.0), (10, 20, 30));
    }
}
