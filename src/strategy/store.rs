use diesel::prelude::*;

use super::model::{Goal, GoalDetail, Measure, Strategy, StrategyDetail, StrategySummary};
use crate::audit::store::Object;
use crate::audit::{self, Actor};
use crate::db::schema::{goals, measures, strategies};
use crate::db::{DbConnection, now};

pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<Strategy>> {
    strategies::table
        .order(strategies::period_start.desc())
        .select(Strategy::as_select())
        .load(conn)
}

pub fn by_slug(conn: &mut DbConnection, slug: &str) -> QueryResult<Option<Strategy>> {
    strategies::table
        .filter(strategies::slug.eq(slug))
        .select(Strategy::as_select())
        .first(conn)
        .optional()
}

pub fn goals_of(conn: &mut DbConnection, strategy_id: &str) -> QueryResult<Vec<Goal>> {
    goals::table
        .filter(goals::strategy_id.eq(strategy_id))
        .order(goals::position.asc())
        .select(Goal::as_select())
        .load(conn)
}

fn measures_of_goal(conn: &mut DbConnection, goal_id: &str) -> QueryResult<Vec<Measure>> {
    measures::table
        .filter(measures::goal_id.eq(goal_id))
        .order(measures::position.asc())
        .select(Measure::as_select())
        .load(conn)
}

pub fn detail(conn: &mut DbConnection, slug: &str) -> QueryResult<Option<StrategyDetail>> {
    let Some(strategy) = by_slug(conn, slug)? else {
        return Ok(None);
    };
    let goals = goals_of(conn, &strategy.id)?;
    // One query for all measures, grouped by goal in memory.
    let all: Vec<Measure> = measures::table
        .inner_join(goals::table)
        .filter(goals::strategy_id.eq(&strategy.id))
        .order((goals::position.asc(), measures::position.asc()))
        .select(Measure::as_select())
        .load(conn)?;
    let goals = goals
        .into_iter()
        .map(|g| {
            let mine = all.iter().filter(|m| m.goal_id == g.id).cloned().collect();
            GoalDetail::new(g, mine)
        })
        .collect();
    Ok(Some(StrategyDetail { strategy, goals }))
}

pub fn summaries(conn: &mut DbConnection) -> QueryResult<Vec<StrategySummary>> {
    let mut out = Vec::new();
    for s in list(conn)? {
        let goal_count: i64 = goals::table
            .filter(goals::strategy_id.eq(&s.id))
            .count()
            .get_result(conn)?;
        let measure_count: i64 = measures::table
            .inner_join(goals::table)
            .filter(goals::strategy_id.eq(&s.id))
            .count()
            .get_result(conn)?;
        out.push(StrategySummary {
            slug: s.slug,
            title_cs: s.title_cs,
            title_en: s.title_en,
            period_start: s.period_start,
            period_end: s.period_end,
            goals: goal_count,
            measures: measure_count,
        });
    }
    Ok(out)
}

/// Upserts by slug; audit row only on change. Returns the stored id.
pub fn upsert_strategy(
    conn: &mut DbConnection,
    actor: &Actor,
    s: &Strategy,
) -> QueryResult<String> {
    let existing = by_slug(conn, &s.slug)?;
    let id = existing
        .as_ref()
        .map(|e| e.id.clone())
        .unwrap_or_else(|| s.id.clone());
    let wanted = Strategy {
        id: id.clone(),
        ..s.clone()
    };
    let ts = now();
    audit::store::save(
        conn,
        actor,
        Object {
            kind: "strategy",
            id: &id,
            label: &wanted.title_cs,
        },
        existing.as_ref(),
        &wanted,
        |c, exists| {
            if exists {
                diesel::update(strategies::table.find(&id))
                    .set((&wanted, strategies::updated_at.eq(ts)))
                    .execute(c)
            } else {
                diesel::insert_into(strategies::table)
                    .values((
                        &wanted,
                        strategies::created_at.eq(ts),
                        strategies::updated_at.eq(ts),
                    ))
                    .execute(c)
            }
        },
    )?;
    Ok(id)
}

/// Upserts by (strategy, chapter). Returns the stored id.
pub fn upsert_goal(conn: &mut DbConnection, actor: &Actor, g: &Goal) -> QueryResult<String> {
    let existing: Option<Goal> = goals::table
        .filter(goals::strategy_id.eq(&g.strategy_id))
        .filter(goals::chapter.eq(&g.chapter))
        .select(Goal::as_select())
        .first(conn)
        .optional()?;
    let id = existing
        .as_ref()
        .map(|e| e.id.clone())
        .unwrap_or_else(|| g.id.clone());
    let wanted = Goal {
        id: id.clone(),
        ..g.clone()
    };
    let ts = now();
    let label = format!("{} {}", wanted.chapter, wanted.title_cs);
    audit::store::save(
        conn,
        actor,
        Object {
            kind: "goal",
            id: &id,
            label: &label,
        },
        existing.as_ref(),
        &wanted,
        |c, exists| {
            if exists {
                diesel::update(goals::table.find(&id))
                    .set((&wanted, goals::updated_at.eq(ts)))
                    .execute(c)
            } else {
                diesel::insert_into(goals::table)
                    .values((&wanted, goals::created_at.eq(ts), goals::updated_at.eq(ts)))
                    .execute(c)
            }
        },
    )?;
    Ok(id)
}

/// A measure's text in both languages, as the seed gives it.
pub type MeasureText = (String, Option<String>);

/// Makes a goal's measures exactly `texts` (by position), auditing each change.
pub fn sync_measures(
    conn: &mut DbConnection,
    actor: &Actor,
    goal_id: &str,
    texts: &[MeasureText],
) -> QueryResult<()> {
    let existing = measures_of_goal(conn, goal_id)?;
    let ts = now();
    for (i, (text_cs, text_en)) in texts.iter().enumerate() {
        let position = i as i32 + 1;
        let old = existing.iter().find(|m| m.position == position);
        let wanted = Measure {
            id: old.map(|m| m.id.clone()).unwrap_or_else(crate::db::new_id),
            goal_id: goal_id.to_string(),
            position,
            text_cs: text_cs.clone(),
            text_en: text_en.clone(),
        };
        audit::store::save(
            conn,
            actor,
            Object {
                kind: "measure",
                id: &wanted.id,
                label: &wanted.text_cs,
            },
            old,
            &wanted,
            |c, exists| {
                if exists {
                    diesel::update(measures::table.find(&wanted.id))
                        .set((&wanted, measures::updated_at.eq(ts)))
                        .execute(c)
                } else {
                    diesel::insert_into(measures::table)
                        .values((
                            &wanted,
                            measures::created_at.eq(ts),
                            measures::updated_at.eq(ts),
                        ))
                        .execute(c)
                }
            },
        )?;
    }
    for old in existing
        .iter()
        .filter(|m| m.position as usize > texts.len())
    {
        diesel::delete(measures::table.find(&old.id)).execute(conn)?;
        audit::store::record_change(
            conn,
            actor,
            "measure",
            &old.id,
            &old.text_cs,
            Some(old),
            None,
        )?;
    }
    Ok(())
}
