//! What the server-made SVG charts share: escaping, a value axis of
//! round steps, and its tick labels.

/// Text for an SVG element or attribute.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A number for an axis: no more digits than it needs.
pub fn tick(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.1}")
    }
}

/// A value axis from `y0` to `y1` in `ticks` steps of `step`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Axis {
    pub y0: f64,
    pub y1: f64,
    pub step: f64,
    pub ticks: i32,
}

impl Axis {
    /// About four round steps (1, 2, 2.5 or 5 times a power of ten) that
    /// hold `lo` to `hi`.
    pub fn nice(lo: f64, hi: f64) -> Axis {
        let hi = if hi <= lo { lo + 1.0 } else { hi };
        let raw = (hi - lo) / 4.0;
        let power = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 2.5, 5.0, 10.0]
            .iter()
            .map(|m| m * power)
            .find(|s| *s >= raw)
            .unwrap_or(10.0 * power);
        let y0 = (lo / step).floor() * step;
        let y1 = ((hi / step).ceil() * step).max(y0 + step);
        Axis {
            y0,
            y1,
            step,
            ticks: ((y1 - y0) / step).round() as i32,
        }
    }

    /// The axis' values, lowest first.
    pub fn values(&self) -> impl Iterator<Item = f64> + '_ {
        (0..=self.ticks).map(|i| self.y0 + self.step * f64::from(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(esc("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }

    #[test]
    fn axes_take_round_steps_that_hold_the_values() {
        let a = Axis::nice(3.2, 87.0);
        assert_eq!((a.y0, a.y1, a.step), (0.0, 100.0, 25.0));
        let a = Axis::nice(-4.3, 6.1);
        assert_eq!((a.y0, a.y1, a.step), (-5.0, 10.0, 5.0));
        assert_eq!(a.values().count(), 4);
        let flat = Axis::nice(5.0, 5.0);
        assert!(flat.y0 <= 5.0 && flat.y1 > 5.0);
    }
}
