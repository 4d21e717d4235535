//! How a KPI is doing, computed from its baseline, its yearly targets and
//! its latest verified measurement, with every input kept so the page can
//! show the calculation (STRATEGY.md: show the calculation, never guess).
//!
//! - **Attainment**: `(latest − baseline) / (final target − baseline)`,
//!   capped to [0, 1]. The final target is the last year's; the same formula
//!   serves a lower-is-better KPI, whose target lies below its baseline.
//! - **Expected value**: where the KPI should be at the end of the latest
//!   measurement's period, on the line through the baseline and each year's
//!   target (a straight line from the baseline to the final target where
//!   only that is set). Values count at the end of their year.
//! - **Status**: achieved once the final target is reached; otherwise the
//!   share of the expected progress made, against the admin's bands (on
//!   track from 95 %, at risk from 85 % by default). Rates use the compound
//!   annual growth method of Open SDG instead: the actual yearly growth rate
//!   against the one the target needs. Where that is undefined (a zero or
//!   negative baseline, value or target, or a target equal to the
//!   baseline) the linear method above is used and the assessment says so.
//! - **No data**: no verified measurement for the KPI's latest due period
//!   (the last period that ended, plus the reporting grace, before the day
//!   of the assessment) is "no data", never the last value carried forward.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

/// Which way is better.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum Direction {
    Higher,
    Lower,
}
crate::text_state!(Direction { Higher => "higher", Lower => "lower" });

/// How progress is judged: along a straight line (counts, shares,
/// deliverables) or by compound annual growth (rates).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum Method {
    Linear,
    Cagr,
}
crate::text_state!(Method { Linear => "linear", Cagr => "cagr" });

/// How often a KPI is measured: the length of its periods.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum Frequency {
    Monthly,
    Quarterly,
    Yearly,
}
crate::text_state!(Frequency { Monthly => "monthly", Quarterly => "quarterly", Yearly => "yearly" });

impl Frequency {
    /// The months one period lasts.
    pub fn months(self) -> u32 {
        match self {
            Frequency::Monthly => 1,
            Frequency::Quarterly => 3,
            Frequency::Yearly => 12,
        }
    }

    /// The label of the period that ended last before `day` (`2026-10`,
    /// `2026-Q3`, `2025`).
    pub fn last_ended(self, day: NaiveDate) -> String {
        let (start, end) = due_period(self, day, 0);
        label_of_period(&start.to_string(), &end.to_string())
    }
}

/// How many calendar months a period from `start` to `end` covers.
pub fn months_spanned(start: NaiveDate, end: NaiveDate) -> u32 {
    let months = (end.year() - start.year()) * 12 + end.month0() as i32 - start.month0() as i32 + 1;
    u32::try_from(months).unwrap_or(0)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Achieved,
    OnTrack,
    AtRisk,
    OffTrack,
    NoData,
}
crate::text_state!(Status {
    Achieved => "achieved",
    OnTrack => "on_track",
    AtRisk => "at_risk",
    OffTrack => "off_track",
    NoData => "no_data",
});

/// The share of the expected progress from which a KPI is on track, and
/// from which it is at risk (below: off track). Set by an admin.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Bands {
    pub on_track: f64,
    pub at_risk: f64,
}

impl Default for Bands {
    fn default() -> Self {
        Bands {
            on_track: 0.95,
            at_risk: 0.85,
        }
    }
}

/// What a KPI is, for its assessment.
#[derive(Clone, Debug)]
pub struct Definition {
    pub direction: Direction,
    pub method: Method,
    pub frequency: Frequency,
    pub baseline_value: f64,
    pub baseline_year: i32,
    /// (year, value), any order.
    pub targets: Vec<(i32, f64)>,
}

/// A verified measurement: its value and the period it describes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Observation {
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub value: f64,
}

/// The method actually used and why, for the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Used {
    Linear,
    Cagr,
    /// CAGR was asked for but is undefined for these values.
    LinearInsteadOfCagr,
}

/// A KPI's assessment with its inputs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Assessment {
    pub status: Status,
    /// 0–1, `None` without data or without a target.
    pub attainment: Option<f64>,
    /// Where the value should be at the end of the latest period.
    pub expected: Option<f64>,
    /// The share of expected progress made (or the CAGR ratio).
    pub progress_ratio: Option<f64>,
    pub final_target: Option<(i32, f64)>,
    pub latest: Option<f64>,
    /// The period that had to have a value.
    pub due_period: Option<(NaiveDate, NaiveDate)>,
    pub used: Used,
}

/// The last period of `frequency` that ended at least `grace_days` before
/// `as_of`: the one whose value must be in.
pub fn due_period(
    frequency: Frequency,
    as_of: NaiveDate,
    grace_days: i64,
) -> (NaiveDate, NaiveDate) {
    let cutoff = as_of - chrono::Duration::days(grace_days);
    let months = match frequency {
        Frequency::Monthly => 1,
        Frequency::Quarterly => 3,
        Frequency::Yearly => 12,
    };
    // The period containing the cutoff starts here; the due one ends the
    // day before it.
    let index = (cutoff.year() * 12 + cutoff.month0() as i32) / months * months;
    let end_excl = first_of(index);
    let start = first_of(index - months);
    (start, end_excl.pred_opt().unwrap_or(end_excl))
}

/// The first day of a month counted from year 0.
fn first_of(month_index: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(
        month_index.div_euclid(12),
        month_index.rem_euclid(12) as u32 + 1,
        1,
    )
    .unwrap_or(NaiveDate::MIN)
}

/// A date as a fractional year, values counting at the end of their day:
/// the end of 2024-12-31 is 2025.0, the end of year `y` is `y + 1`.
fn year_fraction(d: NaiveDate) -> f64 {
    let days_in_year = if NaiveDate::from_ymd_opt(d.year(), 2, 29).is_some() {
        366.0
    } else {
        365.0
    };
    f64::from(d.year()) + f64::from(d.ordinal()) / days_in_year
}

impl Definition {
    fn sorted_targets(&self) -> Vec<(i32, f64)> {
        let mut t = self.targets.clone();
        t.sort_by_key(|(y, _)| *y);
        t.retain(|(y, v)| *y > self.baseline_year && v.is_finite());
        t
    }

    pub fn final_target(&self) -> Option<(i32, f64)> {
        self.sorted_targets().last().copied()
    }

    /// The expected value at the end of `d`: on the line through the
    /// baseline and the targets, the final target after its year.
    pub fn expected_at(&self, d: NaiveDate) -> Option<f64> {
        let t = year_fraction(d);
        let mut points = vec![(f64::from(self.baseline_year + 1), self.baseline_value)];
        points.extend(
            self.sorted_targets()
                .into_iter()
                .map(|(y, v)| (f64::from(y + 1), v)),
        );
        if points.len() < 2 {
            return None;
        }
        if t <= points[0].0 {
            return Some(points[0].1);
        }
        for w in points.windows(2) {
            let ((t0, v0), (t1, v1)) = (w[0], w[1]);
            if t <= t1 {
                return Some(v0 + (v1 - v0) * (t - t0) / (t1 - t0));
            }
        }
        points.last().map(|p| p.1)
    }

    /// Attainment of the final target, capped to [0, 1].
    pub fn attainment(&self, value: f64) -> Option<f64> {
        let (_, target) = self.final_target()?;
        let span = target - self.baseline_value;
        if span == 0.0 {
            // Holding a level: reached or not.
            let kept = match self.direction {
                Direction::Higher => value >= target,
                Direction::Lower => value <= target,
            };
            return Some(if kept { 1.0 } else { 0.0 });
        }
        Some(((value - self.baseline_value) / span).clamp(0.0, 1.0))
    }

    /// The assessment as of a day, from the KPI's verified measurements.
    pub fn assess(
        &self,
        verified: &[Observation],
        as_of: NaiveDate,
        grace_days: i64,
        bands: Bands,
    ) -> Assessment {
        let due = due_period(self.frequency, as_of, grace_days);
        let latest = verified
            .iter()
            .filter(|o| o.period_end <= as_of && o.value.is_finite())
            .max_by_key(|o| o.period_end)
            .copied();
        let final_target = self.final_target();
        let used = if self.method == Method::Cagr {
            Used::Cagr
        } else {
            Used::Linear
        };
        let mut a = Assessment {
            status: Status::NoData,
            attainment: None,
            expected: None,
            progress_ratio: None,
            final_target,
            latest: latest.map(|o| o.value),
            due_period: Some(due),
            used,
        };
        // No value for the due period (or a later one): no data.
        let Some(latest) = latest.filter(|o| o.period_end >= due.1) else {
            a.latest = None;
            return a;
        };
        let Some((target_year, target)) = final_target else {
            return a;
        };
        a.attainment = self.attainment(latest.value);
        a.expected = self.expected_at(latest.period_end);
        if a.attainment == Some(1.0) {
            a.status = Status::Achieved;
            a.progress_ratio = Some(1.0);
            return a;
        }
        let ratio = match self.method {
            Method::Cagr => {
                let r = self.cagr_ratio(latest, target_year, target);
                if r.is_none() {
                    a.used = Used::LinearInsteadOfCagr;
                }
                r.or_else(|| self.linear_ratio(latest.value, a.expected))
            }
            Method::Linear => self.linear_ratio(latest.value, a.expected),
        };
        a.progress_ratio = ratio;
        a.status = match ratio {
            Some(r) if r >= bands.on_track => Status::OnTrack,
            Some(r) if r >= bands.at_risk => Status::AtRisk,
            Some(_) => Status::OffTrack,
            None => Status::NoData,
        };
        a
    }

    fn kept(&self, value: f64, target: f64) -> bool {
        match self.direction {
            Direction::Higher => value >= target,
            Direction::Lower => value <= target,
        }
    }

    /// The share of the expected progress made; where nothing is expected
    /// yet (the line still at the baseline), holding the baseline is on
    /// track.
    fn linear_ratio(&self, value: f64, expected: Option<f64>) -> Option<f64> {
        let expected = expected?;
        let span = expected - self.baseline_value;
        if span == 0.0 {
            return Some(if self.kept(value, self.baseline_value) {
                1.0
            } else {
                0.0
            });
        }
        Some((value - self.baseline_value) / span)
    }

    /// Open SDG's ratio of the actual compound annual growth rate to the one
    /// the target needs; `None` where it is undefined.
    fn cagr_ratio(&self, latest: Observation, target_year: i32, target: f64) -> Option<f64> {
        let base = self.baseline_value;
        if base <= 0.0 || latest.value <= 0.0 || target <= 0.0 || target == base {
            return None;
        }
        let t0 = f64::from(self.baseline_year + 1);
        let years = year_fraction(latest.period_end) - t0;
        if years <= 0.0 {
            return None;
        }
        let actual = (latest.value / base).powf(1.0 / years) - 1.0;
        let required = (target / base).powf(1.0 / (f64::from(target_year + 1) - t0)) - 1.0;
        Some(actual / required)
    }
}

/// Whether the newer of two values is better, worse or the same, in the
/// KPI's direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trend {
    Better,
    Same,
    Worse,
}
crate::text_state!(Trend { Better => "better", Same => "same", Worse => "worse" });

pub fn trend(direction: Direction, previous: f64, latest: f64) -> Trend {
    let delta = latest - previous;
    let scale = previous.abs().max(latest.abs()).max(1e-9);
    if (delta / scale).abs() < 1e-6 {
        return Trend::Same;
    }
    match (direction, delta > 0.0) {
        (Direction::Higher, true) | (Direction::Lower, false) => Trend::Better,
        _ => Trend::Worse,
    }
}

/// A goal's two bars: implementation, the weighted mean of its projects'
/// progress (0–100, weights normalised, cancelled projects left out by the
/// caller and listed beside), and results, the mean of its KPIs'
/// attainment (0–1) over the KPIs with data. `None` where there is nothing
/// to average.
pub fn implementation(projects: &[(f64, f64)]) -> Option<f64> {
    let weight: f64 = projects.iter().map(|(_, w)| w.max(0.0)).sum();
    if weight <= 0.0 {
        return None;
    }
    Some(
        projects
            .iter()
            .map(|(progress, w)| progress.clamp(0.0, 100.0) * w.max(0.0))
            .sum::<f64>()
            / weight,
    )
}

pub fn results(attainments: &[Option<f64>]) -> Option<f64> {
    let known: Vec<f64> = attainments.iter().flatten().copied().collect();
    if known.is_empty() {
        return None;
    }
    Some(known.iter().sum::<f64>() / known.len() as f64)
}

#[cfg(test)]
#[expect(clippy::expect_used, reason = "a test stops where its input is wrong")]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    fn year_of(y: i32, value: f64) -> Observation {
        Observation {
            period_start: day(y, 1, 1),
            period_end: day(y, 12, 31),
            value,
        }
    }

    fn kpi(direction: Direction, method: Method, base: f64, targets: &[(i32, f64)]) -> Definition {
        Definition {
            direction,
            method,
            frequency: Frequency::Yearly,
            baseline_value: base,
            baseline_year: 2019,
            targets: targets.to_vec(),
        }
    }

    #[test]
    fn due_periods() {
        assert_eq!(
            due_period(Frequency::Monthly, day(2026, 12, 4), 0),
            (day(2026, 11, 1), day(2026, 11, 30))
        );
        // Within the grace, the month before is still the one due.
        assert_eq!(
            due_period(Frequency::Monthly, day(2026, 12, 10), 15),
            (day(2026, 10, 1), day(2026, 10, 31))
        );
        assert_eq!(
            due_period(Frequency::Quarterly, day(2026, 5, 20), 0),
            (day(2026, 1, 1), day(2026, 3, 31))
        );
        assert_eq!(
            due_period(Frequency::Yearly, day(2026, 1, 1), 0),
            (day(2025, 1, 1), day(2025, 12, 31))
        );
        assert_eq!(
            due_period(Frequency::Monthly, day(2026, 1, 15), 0),
            (day(2025, 12, 1), day(2025, 12, 31))
        );
    }

    /// IT staff 6 in 2019, 12 by 2024 (higher is better): 9 at the end of
    /// 2022 is half the way, where the line expects 60 %.
    #[test]
    fn linear_higher_is_better() {
        let k = kpi(Direction::Higher, Method::Linear, 6.0, &[(2024, 12.0)]);
        let a = k.assess(&[year_of(2022, 9.0)], day(2023, 2, 1), 30, Bands::default());
        assert_eq!(a.attainment, Some(0.5));
        let expected = a.expected.expect("expected");
        assert!((expected - 9.6).abs() < 1e-9, "{expected}");
        let ratio = a.progress_ratio.expect("ratio");
        assert!((ratio - 3.0 / 3.6).abs() < 1e-9, "{ratio}");
        assert_eq!(a.status, Status::OffTrack);
        // 9.5: 3.5 of 3.6 expected, 97 %: on track.
        let a = k.assess(&[year_of(2022, 9.5)], day(2023, 2, 1), 30, Bands::default());
        assert_eq!(a.status, Status::OnTrack);
        // 9.2: 89 %: at risk.
        let a = k.assess(&[year_of(2022, 9.2)], day(2023, 2, 1), 30, Bands::default());
        assert_eq!(a.status, Status::AtRisk);
        // Past the target: achieved, capped at 1.
        let a = k.assess(
            &[year_of(2022, 14.0)],
            day(2023, 2, 1),
            30,
            Bands::default(),
        );
        assert_eq!((a.status, a.attainment), (Status::Achieved, Some(1.0)));
        // Going backwards: attainment 0, off track.
        let a = k.assess(&[year_of(2022, 5.0)], day(2023, 2, 1), 30, Bands::default());
        assert_eq!((a.status, a.attainment), (Status::OffTrack, Some(0.0)));
    }

    /// Lower is better: the same formula with the target below the baseline.
    #[test]
    fn linear_lower_is_better() {
        let k = kpi(Direction::Lower, Method::Linear, 40.0, &[(2024, 20.0)]);
        let a = k.assess(
            &[year_of(2024, 25.0)],
            day(2025, 1, 10),
            30,
            Bands::default(),
        );
        assert_eq!(a.attainment, Some(0.75));
        assert_eq!(a.expected, Some(20.0));
        assert_eq!(a.status, Status::OffTrack);
        let a = k.assess(
            &[year_of(2024, 19.0)],
            day(2025, 1, 10),
            30,
            Bands::default(),
        );
        assert_eq!(a.status, Status::Achieved);
    }

    /// Yearly targets bend the line: the expectation follows them.
    #[test]
    fn the_line_goes_through_each_years_target() {
        let k = kpi(
            Direction::Higher,
            Method::Linear,
            0.0,
            &[(2020, 0.0), (2021, 0.0), (2022, 50.0), (2024, 100.0)],
        );
        assert_eq!(k.expected_at(day(2021, 12, 31)), Some(0.0));
        assert_eq!(k.expected_at(day(2022, 12, 31)), Some(50.0));
        let mid = k.expected_at(day(2023, 12, 31)).expect("value");
        assert!((mid - 75.0).abs() < 1e-9);
        // Nothing expected yet and the baseline held: on track.
        let a = k.assess(
            &[year_of(2021, 0.0)],
            day(2022, 1, 31),
            30,
            Bands::default(),
        );
        assert_eq!(a.status, Status::OnTrack);
    }

    /// No value for the due period is "no data", whatever came before.
    #[test]
    fn a_missing_period_is_no_data_not_the_last_value() {
        let mut k = kpi(Direction::Higher, Method::Linear, 6.0, &[(2024, 12.0)]);
        k.frequency = Frequency::Monthly;
        let october = Observation {
            period_start: day(2026, 10, 1),
            period_end: day(2026, 10, 31),
            value: 11.0,
        };
        let a = k.assess(&[october], day(2026, 12, 4), 0, Bands::default());
        assert_eq!(
            (a.status, a.latest, a.attainment),
            (Status::NoData, None, None)
        );
        assert_eq!(a.due_period, Some((day(2026, 11, 1), day(2026, 11, 30))));
        // With a fortnight's grace, October is still the due month: 11 of
        // the 12 that was due by 2024 is 5/6 of the way, off track.
        let a = k.assess(&[october], day(2026, 12, 4), 15, Bands::default());
        assert_eq!((a.status, a.latest), (Status::OffTrack, Some(11.0)));
    }

    /// A rate by compound annual growth; a zero baseline falls back to the
    /// line and says so.
    #[test]
    fn cagr_and_its_fallback() {
        // 100 → 200 by the end of 2024: 2^(1/5) − 1 = 14.87 % a year
        // needed. At the end of 2021 (two years) 132 is 14.89 % a year.
        let k = kpi(Direction::Higher, Method::Cagr, 100.0, &[(2024, 200.0)]);
        let a = k.assess(
            &[year_of(2021, 132.0)],
            day(2022, 2, 1),
            30,
            Bands::default(),
        );
        assert_eq!(a.used, Used::Cagr);
        let r = a.progress_ratio.expect("ratio");
        assert!((r - 1.0014).abs() < 0.0001, "{r}");
        assert_eq!(a.status, Status::OnTrack);
        let a = k.assess(
            &[year_of(2021, 110.0)],
            day(2022, 2, 1),
            30,
            Bands::default(),
        );
        assert_eq!(a.status, Status::OffTrack);
        let z = kpi(Direction::Higher, Method::Cagr, 0.0, &[(2024, 50.0)]);
        let a = z.assess(
            &[year_of(2021, 20.0)],
            day(2022, 2, 1),
            30,
            Bands::default(),
        );
        assert_eq!(a.used, Used::LinearInsteadOfCagr);
        assert_eq!(a.status, Status::OnTrack);
    }

    #[test]
    fn trends_and_roll_ups() {
        assert_eq!(trend(Direction::Higher, 5.0, 6.0), Trend::Better);
        assert_eq!(trend(Direction::Lower, 5.0, 6.0), Trend::Worse);
        assert_eq!(trend(Direction::Lower, 5.0, 5.0), Trend::Same);
        assert_eq!(implementation(&[]), None);
        assert_eq!(implementation(&[(50.0, 1.0), (100.0, 3.0)]), Some(87.5));
        assert_eq!(results(&[None, None]), None);
        assert_eq!(results(&[Some(0.5), None, Some(1.0)]), Some(0.75));
    }
}

/// The first and last day of a period written as people write it: a year
/// (`2025`), a quarter (`2025-Q3`) or a month (`2025-07`).
pub fn period_of_label(label: &str) -> Option<(NaiveDate, NaiveDate)> {
    let label = label.trim();
    let (year, rest) = match label.split_once('-') {
        Some((y, r)) => (y, Some(r)),
        None => (label, None),
    };
    if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i32 = year.parse().ok()?;
    let (first, months) = match rest {
        None => (1, 12),
        Some(q) if q.len() == 2 && (q.starts_with('Q') || q.starts_with('q')) => {
            let n: u32 = q[1..].parse().ok()?;
            if !(1..=4).contains(&n) {
                return None;
            }
            (3 * n - 2, 3)
        }
        Some(m) if m.len() == 2 => {
            let n: u32 = m.parse().ok()?;
            if !(1..=12).contains(&n) {
                return None;
            }
            (n, 1)
        }
        Some(_) => return None,
    };
    let index = year * 12 + first as i32 - 1;
    let start = first_of(index);
    let end = first_of(index + months).pred_opt()?;
    Some((start, end))
}

/// The label of a stored period: the year, quarter or month it covers
/// whole, else its two days.
pub fn label_of_period(start: &str, end: &str) -> String {
    let (Ok(s), Ok(e)) = (start.parse::<NaiveDate>(), end.parse::<NaiveDate>()) else {
        return format!("{start} – {end}");
    };
    let year = s.year().to_string();
    let month = format!("{}-{:02}", s.year(), s.month());
    let quarter = format!("{}-Q{}", s.year(), s.month0() / 3 + 1);
    [year, quarter, month]
        .into_iter()
        .find(|l| period_of_label(l) == Some((s, e)))
        .unwrap_or_else(|| format!("{start} – {end}"))
}

#[cfg(test)]
#[test]
fn period_labels() {
    let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
    assert_eq!(period_of_label("2025"), d(2025, 1, 1).zip(d(2025, 12, 31)));
    assert_eq!(
        period_of_label("2024-Q1"),
        d(2024, 1, 1).zip(d(2024, 3, 31))
    );
    assert_eq!(
        period_of_label("2024-02"),
        d(2024, 2, 1).zip(d(2024, 2, 29))
    );
    assert_eq!(
        period_of_label("2024-12"),
        d(2024, 12, 1).zip(d(2024, 12, 31))
    );
    for bad in [
        "",
        "24",
        "2024-13",
        "2024-Q5",
        "2024-1",
        "2024-00",
        "abcd",
        "2024-07-01",
    ] {
        assert_eq!(period_of_label(bad), None, "{bad}");
    }
}

#[cfg(test)]
#[test]
fn the_last_period_of_a_cadence_that_has_ended() {
    let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    assert_eq!(Frequency::Monthly.last_ended(d(2026, 12, 4)), "2026-11");
    assert_eq!(Frequency::Quarterly.last_ended(d(2026, 12, 4)), "2026-Q3");
    assert_eq!(Frequency::Yearly.last_ended(d(2026, 1, 1)), "2025");
    assert_eq!(months_spanned(d(2026, 7, 1), d(2026, 9, 30)), 3);
    assert_eq!(months_spanned(d(2025, 1, 1), d(2025, 12, 31)), 12);
}
