//! A KPI's line chart and a goal's bars as SVG made on the server: no
//! script, printable, readable by a screen reader (a title and a
//! description name what it shows; the page puts the data table beside
//! it). Time runs left to right in years, each year a band with its label
//! in the middle; a value sits at the end of its period and a target at the
//! end of its year, where the assessment counts them.

use std::fmt::Write;

use chrono::{Datelike, NaiveDate};

use super::dashboard::KpiReport;
use crate::web::chart::{Axis, esc, tick};

const W: f64 = 640.0;
const H: f64 = 300.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 32.0;

/// The chart's words in the page's language; its legend is the page's
/// (HTML, so that it wraps on a phone).
pub struct Labels<'a> {
    pub title: &'a str,
    pub description: &'a str,
}

fn year_end(year: i32) -> f64 {
    f64::from(year + 1)
}

fn at(d: NaiveDate) -> f64 {
    let len = if NaiveDate::from_ymd_opt(d.year(), 2, 29).is_some() {
        366.0
    } else {
        365.0
    };
    f64::from(d.year()) + f64::from(d.ordinal()) / len
}

/// The KPI's chart: baseline, yearly targets, the expected path between
/// them, and the verified values.
pub fn kpi(report: &KpiReport, labels: &Labels<'_>) -> String {
    let base_year = report.baseline.year;
    let values: Vec<(f64, f64)> = report
        .measurements
        .iter()
        .filter_map(|m| Some((at(m.period_end.parse().ok()?), m.value)))
        .collect();
    let targets: Vec<(f64, f64)> = report
        .targets
        .iter()
        .map(|t| (year_end(t.year), t.value))
        .collect();
    let first_year = base_year;
    let last_year = report
        .targets
        .iter()
        .map(|t| t.year)
        .chain(values.iter().map(|(x, _)| x.ceil() as i32 - 1))
        .chain(std::iter::once(report.as_of.year()))
        .max()
        .unwrap_or(base_year + 1)
        .max(base_year + 1);
    let (x0, x1) = (f64::from(first_year), year_end(last_year));
    let all = values
        .iter()
        .chain(&targets)
        .map(|(_, v)| *v)
        .chain(std::iter::once(report.baseline.value));
    let (mut lo, hi) = all.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if lo > 0.0 && lo < hi * 0.5 || lo == hi {
        lo = lo.min(0.0);
    }
    let Axis {
        y0,
        y1,
        step,
        ticks,
    } = Axis::nice(lo, hi);
    let px = |x: f64| LEFT + (x - x0) / (x1 - x0) * (W - LEFT - RIGHT);
    let py = |y: f64| H - BOTTOM - (y - y0) / (y1 - y0) * (H - TOP - BOTTOM);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg"><title id="chart-title">{}</title><desc id="chart-desc">{}</desc>"#,
        esc(labels.title),
        esc(labels.description)
    );
    // Year bands and labels.
    let every = ((last_year - first_year + 1) / 12 + 1).max(1);
    for y in first_year..=last_year {
        let _ = write!(
            s,
            r#"<line class="chart__grid" x1="{x:.1}" x2="{x:.1}" y1="{TOP}" y2="{b:.1}"/>"#,
            x = px(f64::from(y)),
            b = H - BOTTOM
        );
        if (y - first_year) % every == 0 {
            let _ = write!(
                s,
                r#"<text class="chart__label" x="{:.1}" y="{:.1}" text-anchor="middle">{y}</text>"#,
                px(f64::from(y) + 0.5),
                H - BOTTOM + 20.0
            );
        }
    }
    // Value axis.
    for i in 0..=ticks {
        let v = y0 + step * f64::from(i);
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
    let path = |points: &[(f64, f64)]| -> String {
        points
            .iter()
            .enumerate()
            .map(|(i, (x, y))| {
                format!(
                    "{}{:.1},{:.1}",
                    if i == 0 { "M" } else { " L" },
                    px(*x),
                    py(*y)
                )
            })
            .collect()
    };
    // The expected path: from the baseline through each target, flat after.
    let mut line = vec![(year_end(base_year), report.baseline.value)];
    line.extend(targets.iter().copied());
    if let Some(last) = line.last().copied()
        && last.0 < x1
    {
        line.push((x1, last.1));
    }
    let _ = write!(s, r#"<path class="chart__expected" d="{}"/>"#, path(&line));
    let _ = write!(
        s,
        r#"<circle class="chart__baseline" cx="{:.1}" cy="{:.1}" r="5"/>"#,
        px(year_end(base_year)),
        py(report.baseline.value)
    );
    for (x, y) in &targets {
        let (cx, cy) = (px(*x), py(*y));
        let _ = write!(
            s,
            r#"<path class="chart__target" d="M{:.1},{:.1} L{:.1},{:.1} L{:.1},{:.1} L{:.1},{:.1} Z"/>"#,
            cx,
            cy - 6.0,
            cx + 6.0,
            cy,
            cx,
            cy + 6.0,
            cx - 6.0,
            cy
        );
    }
    if !values.is_empty() {
        let _ = write!(s, r#"<path class="chart__actual" d="{}"/>"#, path(&values));
        for (x, y) in &values {
            let _ = write!(
                s,
                r#"<circle class="chart__point" cx="{:.1}" cy="{:.1}" r="4"/>"#,
                px(*x),
                py(*y)
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// A bar of a share (0–1) with no words of its own: the page writes the
/// number beside it.
pub fn bar(share: f64) -> String {
    let w = (share.clamp(0.0, 1.0) * 100.0 * 10.0).round() / 10.0;
    format!(
        r#"<svg class="bar" viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true" focusable="false"><rect class="bar__track" width="100" height="8"/><rect class="bar__fill" width="{w}" height="8"/></svg>"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_capped() {
        assert!(bar(1.7).contains(r#"width="100" height="8"/></svg>"#));
        assert!(bar(-1.0).contains(r#"class="bar__fill" width="0""#));
        assert!(bar(0.665).contains(r#"width="66.5""#));
    }
}
