//! The geometric motif behind a cover's text, chosen from the course's id:
//! its kind from the id in turn (so courses made one after another differ),
//! its measures from a hash of the id. Each motif is drawn twice from the
//! same numbers: as SVG shapes, and as a distance field for the PNG.

/// The motif's shapes, in the SVG's units (640 × 360), in white.
#[derive(Debug, Clone, PartialEq)]
pub enum Motif {
    Dots {
        spacing: f64,
        radius: f64,
        angle: f64,
    },
    Stripes {
        period: f64,
        width: f64,
        angle: f64,
    },
    Rings {
        cx: f64,
        cy: f64,
        spacing: f64,
        width: f64,
    },
    Grid {
        spacing: f64,
        width: f64,
        angle: f64,
    },
    Zigzag {
        period: f64,
        amplitude: f64,
        spacing: f64,
        width: f64,
    },
    Checker {
        size: f64,
        angle: f64,
    },
    Bubbles {
        circles: Vec<(f64, f64, f64)>,
    },
}

const KINDS: i64 = 7;
const ANGLES: [f64; 6] = [0.0, 30.0, 45.0, 60.0, 120.0, 135.0];

/// SplitMix64: small, fast and the same everywhere.
struct Numbers(u64);

impl Numbers {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A whole number from `low` to `high` (both included), as a float.
    fn between(&mut self, low: i64, high: i64) -> f64 {
        (low + (self.next() % (high - low + 1) as u64) as i64) as f64
    }

    fn angle(&mut self) -> f64 {
        ANGLES[(self.next() % ANGLES.len() as u64) as usize]
    }
}

impl Motif {
    /// The strongest white overlay any motif lays on the colour.
    pub const MAX_OPACITY: f64 = 0.16;

    pub fn for_course(id: i64) -> Motif {
        let mut n = Numbers(id as u64 ^ 0x6b6c_6561_726e_2121);
        match id.rem_euclid(KINDS) {
            0 => {
                let spacing = n.between(6, 10) * 4.0;
                Motif::Dots {
                    spacing,
                    radius: (spacing * n.between(16, 30) / 100.0).round(),
                    angle: n.angle(),
                }
            }
            1 => {
                let period = n.between(5, 11) * 4.0;
                Motif::Stripes {
                    period,
                    width: (period * n.between(30, 50) / 100.0).round(),
                    angle: n.angle(),
                }
            }
            2 => Motif::Rings {
                cx: n.between(-2, 18) * 40.0,
                cy: [-40.0, 400.0][(n.next() % 2) as usize],
                spacing: n.between(7, 11) * 4.0,
                width: n.between(3, 8),
            },
            3 => Motif::Grid {
                spacing: n.between(7, 12) * 4.0,
                width: n.between(2, 4),
                angle: [0.0, 30.0, 45.0][(n.next() % 3) as usize],
            },
            4 => {
                let period = n.between(10, 18) * 4.0;
                let amplitude = (period * n.between(25, 45) / 100.0).round();
                let width = n.between(6, 10);
                Motif::Zigzag {
                    period,
                    amplitude,
                    spacing: amplitude + width + n.between(10, 24),
                    width,
                }
            }
            5 => Motif::Checker {
                size: n.between(7, 14) * 4.0,
                angle: n.angle(),
            },
            _ => {
                let count = n.between(5, 7) as usize;
                Motif::Bubbles {
                    circles: (0..count)
                        .map(|_| {
                            (
                                n.between(0, 32) * 20.0,
                                n.between(0, 18) * 20.0,
                                n.between(5, 17) * 10.0,
                            )
                        })
                        .collect(),
                }
            }
        }
    }

    /// How much white the motif's shapes lay over the colour.
    pub fn opacity(&self) -> f64 {
        match self {
            Motif::Dots { .. } => 0.16,
            Motif::Stripes { .. } => 0.11,
            Motif::Rings { .. } => 0.14,
            Motif::Grid { .. } => 0.14,
            Motif::Zigzag { .. } => 0.13,
            Motif::Checker { .. } => 0.09,
            Motif::Bubbles { .. } => 0.10,
        }
    }

    /// The motif as SVG: what goes in `<defs>`, and what is drawn.
    pub fn svg(&self, width: f64, height: f64) -> (String, String) {
        let opacity = self.opacity();
        let tiled = |tile_w: f64, tile_h: f64, angle: f64, shapes: String| {
            let transform = if angle == 0.0 {
                String::new()
            } else {
                format!(" patternTransform=\"rotate({angle})\"")
            };
            (
                format!(
                    "<pattern id=\"motif\" patternUnits=\"userSpaceOnUse\" width=\"{tile_w}\" height=\"{tile_h}\"{transform}>{shapes}</pattern>"
                ),
                format!("<rect width=\"{width}\" height=\"{height}\" fill=\"url(#motif)\" opacity=\"{opacity}\"/>"),
            )
        };
        match self {
            Motif::Dots { spacing, radius, angle } => tiled(
                *spacing,
                *spacing,
                *angle,
                format!(
                    "<circle cx=\"{c}\" cy=\"{c}\" r=\"{radius}\" fill=\"#fff\"/>",
                    c = spacing / 2.0
                ),
            ),
            Motif::Stripes { period, width: w, angle } => tiled(
                *period,
                *period,
                *angle,
                format!("<rect width=\"{w}\" height=\"{period}\" fill=\"#fff\"/>"),
            ),
            Motif::Grid { spacing, width: w, angle } => tiled(
                *spacing,
                *spacing,
                *angle,
                format!(
                    "<rect width=\"{spacing}\" height=\"{w}\" fill=\"#fff\"/><rect width=\"{w}\" height=\"{spacing}\" fill=\"#fff\"/>"
                ),
            ),
            Motif::Zigzag {
                period,
                amplitude,
                spacing,
                width: w,
            } => tiled(
                *period,
                *spacing,
                0.0,
                format!(
                    "<polygon points=\"0,0 {half},{amplitude} {period},0 {period},{w} {half},{low} 0,{w}\" fill=\"#fff\"/>",
                    half = period / 2.0,
                    low = amplitude + w
                ),
            ),
            Motif::Checker { size, angle } => tiled(
                size * 2.0,
                size * 2.0,
                *angle,
                format!(
                    "<rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/><rect x=\"{size}\" y=\"{size}\" width=\"{size}\" height=\"{size}\" fill=\"#fff\"/>"
                ),
            ),
            Motif::Rings {
                cx,
                cy,
                spacing,
                width: w,
            } => {
                let reach = [(0.0, 0.0), (width, 0.0), (0.0, height), (width, height)]
                    .iter()
                    .map(|(x, y)| (x - cx).hypot(y - cy))
                    .fold(0.0, f64::max);
                let rings: String = (1..=(reach / spacing).ceil() as i64)
                    .map(|k| format!("<circle cx=\"{cx}\" cy=\"{cy}\" r=\"{}\"/>", k as f64 * spacing))
                    .collect();
                (
                    String::new(),
                    format!("<g fill=\"none\" stroke=\"#fff\" stroke-width=\"{w}\" opacity=\"{opacity}\">{rings}</g>"),
                )
            }
            Motif::Bubbles { circles } => {
                let shapes: String = circles
                    .iter()
                    .map(|(x, y, r)| format!("<circle cx=\"{x}\" cy=\"{y}\" r=\"{r}\"/>"))
                    .collect();
                (
                    String::new(),
                    format!("<g fill=\"#fff\" fill-opacity=\"{opacity}\">{shapes}</g>"),
                )
            }
        }
    }

    /// How much white covers the point (x, y), for a pixel `pixel` units
    /// wide: the SVG's shapes, edges smoothed over one pixel.
    pub fn alpha(&self, x: f64, y: f64, pixel: f64) -> f64 {
        let cover = |distance: f64| (0.5 - distance / pixel).clamp(0.0, 1.0);
        let opacity = self.opacity();
        match self {
            Motif::Dots {
                spacing,
                radius,
                angle,
            } => {
                let (u, v) = rotate(x, y, *angle);
                let du = u.rem_euclid(*spacing) - spacing / 2.0;
                let dv = v.rem_euclid(*spacing) - spacing / 2.0;
                opacity * cover(du.hypot(dv) - radius)
            }
            Motif::Stripes { period, width, angle } => {
                let (u, _) = rotate(x, y, *angle);
                opacity * cover(band(u, *period, *width))
            }
            Motif::Grid {
                spacing,
                width,
                angle,
            } => {
                let (u, v) = rotate(x, y, *angle);
                opacity * cover(band(u, *spacing, *width).min(band(v, *spacing, *width)))
            }
            Motif::Zigzag {
                period,
                amplitude,
                spacing,
                width,
            } => {
                let along = x.rem_euclid(*period) / period;
                let top = amplitude * (1.0 - (2.0 * along - 1.0).abs());
                // The band's edges slope: a vertical distance overstates the true one.
                let slope = (2.0 * amplitude / period).atan().cos();
                opacity * cover(band(y - top, *spacing, *width) * slope)
            }
            Motif::Checker { size, angle } => {
                let (u, v) = rotate(x, y, *angle);
                let inside = ((u / size).floor() + (v / size).floor()).rem_euclid(2.0) == 0.0;
                let edge = |t: f64| {
                    let m = t.rem_euclid(*size);
                    m.min(size - m)
                };
                let to_edge = edge(u).min(edge(v));
                opacity * cover(if inside { -to_edge } else { to_edge })
            }
            Motif::Rings {
                cx,
                cy,
                spacing,
                width,
            } => {
                let r = (x - cx).hypot(y - cy);
                let to_ring = if r < *spacing {
                    spacing - r
                } else {
                    ((r + spacing / 2.0).rem_euclid(*spacing) - spacing / 2.0).abs()
                };
                opacity * cover(to_ring - width / 2.0)
            }
            Motif::Bubbles { circles } => {
                let clear = circles
                    .iter()
                    .map(|(cx, cy, r)| 1.0 - opacity * cover((x - cx).hypot(y - cy) - r))
                    .product::<f64>();
                1.0 - clear
            }
        }
    }
}

/// The point in the frame of a pattern turned by `degrees`.
fn rotate(x: f64, y: f64, degrees: f64) -> (f64, f64) {
    let (sin, cos) = degrees.to_radians().sin_cos();
    (x * cos + y * sin, -x * sin + y * cos)
}

/// Signed distance from `t` to the bands [k·period, k·period + width):
/// negative inside.
fn band(t: f64, period: f64, width: f64) -> f64 {
    let m = t.rem_euclid(period);
    if m < width {
        -(m.min(width - m))
    } else {
        (m - width).min(period - m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_are_inside_between_their_edges() {
        assert!(band(2.0, 10.0, 4.0) < 0.0);
        assert!(band(7.0, 10.0, 4.0) > 0.0);
        assert!(band(-8.0, 10.0, 4.0) < 0.0, "below zero too");
        assert_eq!(band(4.0, 10.0, 4.0), 0.0);
    }

    #[test]
    fn every_kind_is_drawn_and_the_png_matches_the_svg_where_shapes_are() {
        for id in 0..KINDS {
            let motif = Motif::for_course(id);
            let (defs, body) = motif.svg(640.0, 360.0);
            assert!(!body.is_empty());
            assert_eq!(
                defs.is_empty(),
                matches!(motif, Motif::Rings { .. } | Motif::Bubbles { .. })
            );
            assert!(motif.opacity() <= Motif::MAX_OPACITY);
            // Somewhere covered, somewhere clear.
            let samples: Vec<f64> = (0..640)
                .step_by(3)
                .flat_map(|x| (0..360).step_by(3).map(move |y| (x as f64, y as f64)))
                .map(|(x, y)| motif.alpha(x, y, 1.0))
                .collect();
            assert!(samples.iter().any(|a| *a > 0.05), "{motif:?} covers something");
            assert!(samples.contains(&0.0), "{motif:?} leaves the colour showing");
        }
        // The tile's own shapes: a dot at the centre of its cell.
        let dots = Motif::Dots {
            spacing: 40.0,
            radius: 8.0,
            angle: 0.0,
        };
        assert_eq!(dots.alpha(20.0, 20.0, 1.0), dots.opacity());
        assert_eq!(dots.alpha(1.0, 1.0, 1.0), 0.0);
    }
}
