use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::kpi::{Direction, Frequency, Method};
use crate::auth::Role;
use crate::db::schema::{
    goals, kpi_targets, kpis, measurements, measures, projects, reporting_periods, status_reports,
    strategies,
};
use crate::lifecycle::{Lifecycle, Step};

#[derive(
    Serialize, Deserialize, Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset,
)]
#[diesel(table_name = strategies, treat_none_as_null = true)]
pub struct Strategy {
    pub id: String,
    pub slug: String,
    pub title_cs: String,
    pub title_en: Option<String>,
    pub description_cs: String,
    pub period_start: i32,
    pub period_end: i32,
    pub approving_body: Option<String>,
    pub document_title: Option<String>,
    pub publisher_id: Option<String>,
    /// The territory it covers (a RÚIAN IRI); its open data says so.
    pub spatial_iri: Option<String>,
    /// A KPI is on track from this share of its expected progress, at
    /// risk from `at_risk_band`, off track below it (an admin's choice).
    pub on_track_band: f64,
    pub at_risk_band: f64,
    /// Days after a period's end before its report and values are due.
    pub grace_days: i32,
    /// How often projects report: the length of the reporting periods.
    pub report_cadence: Frequency,
}

#[derive(
    Serialize, Deserialize, Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset,
)]
#[diesel(table_name = goals, treat_none_as_null = true)]
pub struct Goal {
    pub id: String,
    pub strategy_id: String,
    /// The chapter of the strategy document, e.g. "3.1.10".
    pub chapter: String,
    /// The code of the timeline table (SC1..SC11) where it gives one.
    pub sc_code: Option<String>,
    pub position: i32,
    pub title_cs: String,
    pub title_en: Option<String>,
    pub description_cs: String,
    pub planned_start: Option<i32>,
    pub planned_end: Option<i32>,
    /// The timeline marks the goal as going on after the strategy's period.
    pub continues_after: bool,
    pub period_note_cs: Option<String>,
    pub period_note_en: Option<String>,
    pub owner: Option<String>,
}

#[derive(
    Serialize, Deserialize, Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset,
)]
#[diesel(table_name = measures, treat_none_as_null = true)]
pub struct Measure {
    pub id: String,
    pub goal_id: String,
    pub position: i32,
    pub text_cs: String,
    pub text_en: Option<String>,
}

#[derive(Serialize, Debug, Clone)]
pub struct StrategySummary {
    pub slug: String,
    pub title_cs: String,
    pub title_en: Option<String>,
    pub period_start: i32,
    pub period_end: i32,
    pub goals: i64,
    pub measures: i64,
}

/// The API's shape of a strategy with its goals and measures.
#[derive(Serialize, Debug, Clone)]
pub struct StrategyDetail {
    #[serde(flatten)]
    pub strategy: Strategy,
    pub goals: Vec<GoalDetail>,
}

#[derive(Serialize, Debug, Clone)]
pub struct GoalDetail {
    #[serde(flatten)]
    pub goal: Goal,
    pub planned_period: PlannedPeriod,
    pub measures: Vec<Measure>,
}

#[derive(Serialize, Debug, Clone)]
pub struct PlannedPeriod {
    pub start: Option<i32>,
    pub end: Option<i32>,
    pub continues_after: bool,
    pub note_cs: Option<String>,
    pub note_en: Option<String>,
}

impl GoalDetail {
    pub fn new(goal: Goal, measures: Vec<Measure>) -> Self {
        GoalDetail {
            planned_period: PlannedPeriod {
                start: goal.planned_start,
                end: goal.planned_end,
                continues_after: goal.continues_after,
                note_cs: goal.period_note_cs.clone(),
                note_en: goal.period_note_en.clone(),
            },
            goal,
            measures,
        }
    }
}

/// Where an implementation project is, after chapter 4.1 of the strategy:
/// defined, its intent drafted and approved by the steering committee, the
/// budget allocated, procured, realised, in operation, evaluated, closed;
/// or suspended (it resumes to the state it left, kept in
/// `suspended_from`) or cancelled. Progress and health are reported apart
/// from the state.
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
pub enum ProjectState {
    Defined,
    IntentDrafted,
    IntentApproved,
    BudgetAllocated,
    Procurement,
    InRealisation,
    InOperation,
    Evaluated,
    Closed,
    Suspended,
    Cancelled,
}
crate::text_state!(ProjectState {
    Defined => "defined",
    IntentDrafted => "intent_drafted",
    IntentApproved => "intent_approved",
    BudgetAllocated => "budget_allocated",
    Procurement => "procurement",
    InRealisation => "in_realisation",
    InOperation => "in_operation",
    Evaluated => "evaluated",
    Closed => "closed",
    Suspended => "suspended",
    Cancelled => "cancelled",
});

impl ProjectState {
    /// A project still being worked on: it can be suspended or cancelled.
    pub fn is_active(self) -> bool {
        !matches!(
            self,
            ProjectState::Closed | ProjectState::Suspended | ProjectState::Cancelled
        )
    }
}

const WG: &[Role] = &[Role::WorkingGroup];
const SC: &[Role] = &[Role::SteeringCommittee];

const fn step(
    from: ProjectState,
    to: ProjectState,
    roles: &'static [Role],
    needs_reason: bool,
) -> Step<ProjectState> {
    Step {
        from,
        to,
        roles,
        needs_reason,
    }
}

use ProjectState as P;

/// The project's moves. The responsible working-group member takes the
/// delivery steps, in order (the domain's policy checks that he is
/// responsible for this project); the steering committee approves intents
/// (until the yearly cycle's intents land, by moving the project itself),
/// suspends, resumes and cancels, each with its reason. A suspended project
/// may only resume to the state it left: the table allows every active
/// state and the service narrows it to `suspended_from`.
pub const PROJECT_LIFECYCLE: Lifecycle<ProjectState> = Lifecycle {
    steps: &[
        step(P::Defined, P::IntentDrafted, WG, false),
        step(P::IntentDrafted, P::IntentApproved, SC, false),
        step(P::IntentDrafted, P::Defined, SC, true),
        step(P::IntentApproved, P::BudgetAllocated, WG, false),
        step(P::BudgetAllocated, P::Procurement, WG, false),
        step(P::Procurement, P::InRealisation, WG, false),
        step(P::InRealisation, P::InOperation, WG, false),
        step(P::InOperation, P::Evaluated, WG, false),
        step(P::Evaluated, P::Closed, WG, false),
        step(P::Defined, P::Suspended, SC, true),
        step(P::IntentDrafted, P::Suspended, SC, true),
        step(P::IntentApproved, P::Suspended, SC, true),
        step(P::BudgetAllocated, P::Suspended, SC, true),
        step(P::Procurement, P::Suspended, SC, true),
        step(P::InRealisation, P::Suspended, SC, true),
        step(P::InOperation, P::Suspended, SC, true),
        step(P::Evaluated, P::Suspended, SC, true),
        step(P::Suspended, P::Defined, SC, true),
        step(P::Suspended, P::IntentDrafted, SC, true),
        step(P::Suspended, P::IntentApproved, SC, true),
        step(P::Suspended, P::BudgetAllocated, SC, true),
        step(P::Suspended, P::Procurement, SC, true),
        step(P::Suspended, P::InRealisation, SC, true),
        step(P::Suspended, P::InOperation, SC, true),
        step(P::Suspended, P::Evaluated, SC, true),
        step(P::Defined, P::Cancelled, SC, true),
        step(P::IntentDrafted, P::Cancelled, SC, true),
        step(P::IntentApproved, P::Cancelled, SC, true),
        step(P::BudgetAllocated, P::Cancelled, SC, true),
        step(P::Procurement, P::Cancelled, SC, true),
        step(P::InRealisation, P::Cancelled, SC, true),
        step(P::InOperation, P::Cancelled, SC, true),
        step(P::Evaluated, P::Cancelled, SC, true),
        step(P::Suspended, P::Cancelled, SC, true),
    ],
};

/// A KPI value's way to the public: recorded as provisional by the KPI's
/// responsible member, submitted by him, verified by an admin or a
/// steering-committee member who is not the one who submitted it (four
/// eyes, checked by the service), or returned with a reason. Only verified
/// values are public. A correction is a new measurement that supersedes the
/// old one (`superseded_by`); both are kept.
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
pub enum MeasurementState {
    Provisional,
    Submitted,
    Verified,
}
crate::text_state!(MeasurementState {
    Provisional => "provisional",
    Submitted => "submitted",
    Verified => "verified",
});

const VERIFIERS: &[Role] = &[Role::Admin, Role::SteeringCommittee];

pub const MEASUREMENT_LIFECYCLE: Lifecycle<MeasurementState> = Lifecycle {
    steps: &[
        Step {
            from: MeasurementState::Provisional,
            to: MeasurementState::Submitted,
            roles: WG,
            needs_reason: false,
        },
        Step {
            from: MeasurementState::Submitted,
            to: MeasurementState::Verified,
            roles: VERIFIERS,
            needs_reason: false,
        },
        Step {
            from: MeasurementState::Submitted,
            to: MeasurementState::Provisional,
            roles: VERIFIERS,
            needs_reason: true,
        },
    ],
};

/// A monthly status report: a draft its author edits, then submitted,
/// public and immutable; a correction is its next version.
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
pub enum ReportState {
    Draft,
    Submitted,
}
crate::text_state!(ReportState {
    Draft => "draft",
    Submitted => "submitted",
});

pub const REPORT_LIFECYCLE: Lifecycle<ReportState> = Lifecycle {
    steps: &[Step {
        from: ReportState::Draft,
        to: ReportState::Submitted,
        roles: WG,
        needs_reason: false,
    }],
};

/// A project's health as its report gives it: on track (green), at risk
/// (amber) or off track (red), the last two with a reason.
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
pub enum Health {
    OnTrack,
    AtRisk,
    OffTrack,
}
crate::text_state!(Health {
    OnTrack => "on_track",
    AtRisk => "at_risk",
    OffTrack => "off_track",
});

/// Where a project's money comes from.
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
pub enum Funding {
    CityBudget,
    Irop,
    Npo,
    OtherGrant,
}
crate::text_state!(Funding {
    CityBudget => "city_budget",
    Irop => "irop",
    Npo => "npo",
    OtherGrant => "other_grant",
});

/// An implementation project: what the city does to fulfil measures.
/// `code` is given at creation and never changes (`P-SC7-02`).
#[derive(Serialize, Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = projects, treat_none_as_null = true)]
pub struct Project {
    pub id: String,
    pub strategy_id: String,
    pub code: String,
    pub title_cs: String,
    pub title_en: Option<String>,
    pub description_cs: String,
    /// The guarantor department (gestor).
    pub guarantor: String,
    pub funding: Funding,
    pub budget_czk: Option<i64>,
    pub planned_start: Option<String>,
    pub planned_end: Option<String>,
    pub actual_start: Option<String>,
    pub actual_end: Option<String>,
    /// Its share in its goals' implementation bar.
    pub weight: f64,
    pub state: ProjectState,
    pub suspended_from: Option<ProjectState>,
    /// 0–100, from the latest submitted status report.
    pub progress: i32,
    pub health: Option<Health>,
    pub spent_czk: Option<i64>,
    pub reported_at: Option<chrono::NaiveDateTime>,
    pub is_example: bool,
}

/// A key performance indicator of a goal or a project. `code` never
/// changes (`KPI-SC1-01`).
#[derive(Serialize, Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = kpis, treat_none_as_null = true)]
pub struct Kpi {
    pub id: String,
    pub code: String,
    pub goal_id: Option<String>,
    pub project_id: Option<String>,
    pub name_cs: String,
    pub name_en: Option<String>,
    pub unit: String,
    pub direction: Direction,
    pub method: Method,
    pub frequency: Frequency,
    pub baseline_value: f64,
    pub baseline_year: i32,
    /// How the value is measured, in words.
    pub method_note_cs: String,
    /// "manual", or `catalog:…` for a value the portal computes itself.
    pub source: String,
    pub is_example: bool,
}

#[derive(Serialize, Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = kpi_targets)]
pub struct KpiTarget {
    pub kpi_id: String,
    pub year: i32,
    pub value: f64,
}

/// One value of a KPI for one period. Never changed once submitted: a
/// correction is a new row that supersedes it.
#[derive(Serialize, Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = measurements, treat_none_as_null = true)]
pub struct Measurement {
    pub id: String,
    pub kpi_id: String,
    pub period_start: String,
    pub period_end: String,
    pub value: f64,
    pub state: MeasurementState,
    pub supersedes: Option<String>,
    pub superseded_by: Option<String>,
    pub source: String,
    pub note: Option<String>,
    pub recorded_by: Option<String>,
    pub recorded_at: chrono::NaiveDateTime,
    pub submitted_by: Option<String>,
    pub verified_by: Option<String>,
    pub is_example: bool,
}

#[derive(Serialize, Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = reporting_periods)]
pub struct ReportingPeriod {
    pub id: String,
    pub strategy_id: String,
    pub period_start: String,
    pub period_end: String,
    /// The day the reports of the period are due.
    pub due: String,
}

/// A project's monthly status report.
#[derive(Serialize, Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = status_reports, treat_none_as_null = true)]
pub struct StatusReport {
    pub id: String,
    pub project_id: String,
    pub period_id: String,
    pub version: i32,
    pub state: ReportState,
    pub project_state: ProjectState,
    pub progress: i32,
    pub health: Health,
    pub health_reason: Option<String>,
    pub actual_start: Option<String>,
    pub actual_end: Option<String>,
    pub spent_czk: Option<i64>,
    pub risks: Option<String>,
    pub next_steps: Option<String>,
    pub asks: Option<String>,
    pub author_id: Option<String>,
    pub submitted_at: Option<chrono::NaiveDateTime>,
    pub is_example: bool,
}

#[cfg(test)]
#[expect(clippy::expect_used, reason = "a test stops where its input is wrong")]
mod tests {
    use super::*;
    use crate::lifecycle::State;

    /// Delivery goes in order and by the working group; the committee
    /// approves intents, suspends, resumes and cancels, with a reason.
    #[test]
    fn a_project_moves_in_order_and_by_the_right_role() {
        let l = &PROJECT_LIFECYCLE;
        let wg = [Role::WorkingGroup];
        let sc = [Role::SteeringCommittee];
        assert_eq!(l.next(P::Defined, &wg), vec![P::IntentDrafted]);
        assert!(
            l.check_roles(&wg, P::Defined, "in_realisation", None)
                .is_err()
        );
        assert!(
            l.check_roles(&wg, P::IntentDrafted, "intent_approved", None)
                .is_err()
        );
        assert!(
            l.check_roles(&sc, P::IntentDrafted, "intent_approved", None)
                .is_ok()
        );
        assert!(
            l.check_roles(&sc, P::InRealisation, "suspended", None)
                .is_err()
        );
        assert!(
            l.check_roles(
                &sc,
                P::InRealisation,
                "suspended",
                Some("Čeká se na dotaci.")
            )
            .is_ok()
        );
        assert!(
            l.check_roles(&wg, P::InRealisation, "cancelled", Some("x"))
                .is_err()
        );
        assert!(
            l.check_roles(&sc, P::Closed, "cancelled", Some("x"))
                .is_err()
        );
        // Every active state can be suspended and resumed to, and cancelled.
        for s in ProjectState::ALL.iter().copied().filter(|s| s.is_active()) {
            let from_s = l.next(s, &sc);
            assert!(
                from_s.contains(&P::Suspended) && from_s.contains(&P::Cancelled),
                "{s:?}"
            );
            assert!(l.next(P::Suspended, &sc).contains(&s), "{s:?}");
        }
        // The delivery path reaches the end in order.
        let mut at = P::IntentApproved;
        for to in [
            "budget_allocated",
            "procurement",
            "in_realisation",
            "in_operation",
            "evaluated",
            "closed",
        ] {
            at = l.check_roles(&wg, at, to, None).expect(to).0;
        }
        assert_eq!(at, P::Closed);
        assert!(l.next(P::Closed, &sc).is_empty() && l.next(P::Closed, &wg).is_empty());
    }

    #[test]
    fn a_measurement_is_verified_by_the_committee_or_an_admin() {
        let l = &MEASUREMENT_LIFECYCLE;
        let wg = [Role::WorkingGroup];
        assert!(
            l.check_roles(&wg, MeasurementState::Submitted, "verified", None)
                .is_err()
        );
        assert!(
            l.check_roles(
                &[Role::Admin],
                MeasurementState::Submitted,
                "verified",
                None
            )
            .is_ok()
        );
        assert!(
            l.check_roles(
                &[Role::SteeringCommittee],
                MeasurementState::Submitted,
                "provisional",
                None
            )
            .is_err()
        );
        assert!(
            l.check_roles(&wg, MeasurementState::Provisional, "verified", None)
                .is_err()
        );
    }
}
