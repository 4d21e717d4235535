use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::{goals, measures, strategies};

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
