//! A datastream's chart over a window: the hourly or daily mean as a line
//! and the range from minimum to maximum as a band, with the alert
//! thresholds; SVG made on the server (no script, printable, a title and
//! a description for a screen reader; the page puts the data table
//! beside it). A missing bucket breaks the line: a gap in the data is
//! shown as one.

use std::fmt::Write;

use chrono::TimeZone;

use super::store::Bucket;
use crate::web::chart::{Axis, esc, tick};

const W: f64 = 720.0;
const H: f64 = 300.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 32.0;

pub struct Labels<'a> {
    pub title: &'a str,
    pub description: &'a str,
}

/// What the chart shows: buckets of `width` microseconds in
/// `[from, to)`, and the thresholds to draw.
pub struct Series<'a> {
    pub buckets: &'a [Bucket],
    pub width: i64,
    pub from: i64,
    pub to: i64,
    pub thresholds: &'a [f64],
}

/// Where the time axis' labels go, and how they read (Prague time).
fn time_ticks(from: i64, to: i64) -> Vec<(i64, String)> {
    let prague = chrono_tz::Europe::Prague;
    let span_days = (to - from) as f64 / 86_400e6;
    let (every_hours, fmt): (i64, &str) = if span_days <= 1.5 {
        (3, "%H:%M")
    } else if span_days <= 8.0 {
        (24, "%-d. %-m.")
    } else if span_days <= 40.0 {
        (24 * 5, "%-d. %-m.")
    } else {
        (24 * 30, "%-m/%Y")
    };
    let step = every_hours * super::model::MICROS_PER_HOUR;
    let mut out = Vec::new();
    // From the window's first local midnight, in whole steps.
    let Some(start) = super::model::from_micros(from) else {
        return out;
    };
    let local = start.with_timezone(&prague).date_naive();
    let Some(mid) = prague
        .from_local_datetime(&local.and_time(chrono::NaiveTime::MIN))
        .earliest()
    else {
        return out;
    };
    let mut t = mid.timestamp_micros();
    while t < to {
        if t >= from
            && let Some(u) = super::model::from_micros(t)
        {
            out.push((t, u.with_timezone(&prague).format(fmt).to_string()));
        }
        t += step;
    }
    out
}

pub fn svg(series: &Series<'_>, labels: &Labels<'_>) -> String {
    let (mut lo, mut hi) = series
        .buckets
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), b| {
            (lo.min(b.min_value), hi.max(b.max_value))
        });
    for t in series.thresholds {
        lo = lo.min(*t);
        hi = hi.max(*t);
    }
    if series.buckets.is_empty() && series.thresholds.is_empty() {
        (lo, hi) = (0.0, 1.0);
    }
    if lo > 0.0 && lo < hi * 0.5 {
        lo = 0.0;
    }
    let axis = Axis::nice(lo, hi);
    let (x0, x1) = (series.from as f64, series.to as f64);
    let px = |x: f64| LEFT + (x - x0) / (x1 - x0) * (W - LEFT - RIGHT);
    let py = |y: f64| H - BOTTOM - (y - axis.y0) / (axis.y1 - axis.y0) * (H - TOP - BOTTOM);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg"><title id="chart-title">{}</title><desc id="chart-desc">{}</desc>"#,
        esc(labels.title),
        esc(labels.description)
    );
    for v in axis.values() {
        let _ = write!(
            s,
            r#"<line class="chart__grid" x1="{LEFT}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}"/><text class="chart__label" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            W - RIGHT,
            LEFT - 6.0,
            py(v) + 4.0,
            tick(v),
            y = py(v)
        );
    }
    for (t, label) in time_ticks(series.from, series.to) {
        let x = px(t as f64);
        let _ = write!(
            s,
            r#"<line class="chart__grid" x1="{x:.1}" x2="{x:.1}" y1="{TOP}" y2="{:.1}"/><text class="chart__label" x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            H - BOTTOM,
            H - BOTTOM + 20.0,
            esc(&label)
        );
    }
    // Runs of consecutive buckets: a gap ends one.
    let mut runs: Vec<&[Bucket]> = Vec::new();
    let mut start = 0;
    for i in 1..=series.buckets.len() {
        let ends = i == series.buckets.len()
            || series.buckets[i].bucket - series.buckets[i - 1].bucket > series.width * 3 / 2;
        if ends {
            runs.push(&series.buckets[start..i]);
            start = i;
        }
    }
    // A bucket is drawn at its middle.
    let mid = |b: &Bucket| (b.bucket + series.width / 2) as f64;
    for run in runs.iter().filter(|r| !r.is_empty()) {
        let mut band = String::new();
        for (i, b) in run.iter().enumerate() {
            let _ = write!(
                band,
                "{}{:.1},{:.1}",
                if i == 0 { "M" } else { " L" },
                px(mid(b)),
                py(b.max_value)
            );
        }
        for b in run.iter().rev() {
            let _ = write!(band, " L{:.1},{:.1}", px(mid(b)), py(b.min_value));
        }
        let _ = write!(s, r#"<path class="chart__band" d="{band} Z"/>"#);
        let mut line = String::new();
        for (i, b) in run.iter().enumerate() {
            let _ = write!(
                line,
                "{}{:.1},{:.1}",
                if i == 0 { "M" } else { " L" },
                px(mid(b)),
                py(b.mean())
            );
        }
        if run.len() == 1 {
            let b = run[0];
            let _ = write!(
                s,
                r#"<circle class="chart__point" cx="{:.1}" cy="{:.1}" r="3"/>"#,
                px(mid(&b)),
                py(b.mean())
            );
        } else {
            let _ = write!(s, r#"<path class="chart__actual" d="{line}"/>"#);
        }
    }
    for t in series.thresholds {
        let y = py(*t);
        let _ = write!(
            s,
            r#"<line class="chart__threshold" x1="{LEFT}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}"/>"#,
            W - RIGHT
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = super::super::model::MICROS_PER_HOUR;

    fn b(hour: i64, v: f64) -> Bucket {
        Bucket {
            bucket: hour * HOUR,
            n: 6,
            total: 6.0 * v,
            min_value: v - 2.0,
            max_value: v + 2.0,
        }
    }

    #[test]
    fn a_gap_breaks_the_line_and_thresholds_are_drawn() {
        let buckets = [b(0, 10.0), b(1, 12.0), b(2, 11.0), b(6, 30.0), b(7, 28.0)];
        let svg = svg(
            &Series {
                buckets: &buckets,
                width: HOUR,
                from: 0,
                to: 24 * HOUR,
                thresholds: &[50.0],
            },
            &Labels {
                title: "PM10 <Školní>",
                description: "d",
            },
        );
        assert_eq!(svg.matches("chart__actual").count(), 2, "two runs");
        assert_eq!(svg.matches("chart__band").count(), 2);
        assert_eq!(svg.matches("chart__threshold").count(), 1);
        assert!(svg.contains("PM10 &lt;Školní&gt;"));
        // The axis holds the threshold (50), above the values.
        assert!(svg.contains(">60</text>"), "{svg}");
    }

    #[test]
    fn a_day_is_labelled_in_prague_hours() {
        // 2026-12-06 23:00 UTC is midnight in Prague.
        let from = 1_796_598_000_000_000;
        let ticks = time_ticks(from, from + 24 * HOUR);
        assert_eq!(ticks.first().map(|t| t.1.as_str()), Some("00:00"));
        assert_eq!(ticks.len(), 8);
    }
}
