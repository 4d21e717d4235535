use diesel::prelude::*;

use super::model::{Goal, GoalDetail, Measure, Strategy, StrategyDetail, StrategySummary};
use crate::audit::{self, Actor};
use crate::db::schema::{goals, measures, strategies};
use crate::db::{DbConnection, now};

type StrategyTuple = (
    String,
    String,
    String,
    Option<String>,
    String,
    i32,
    i32,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn strategy_cols() -> (
    strategies::id,
    strategies::slug,
    strategies::title_cs,
    strategies::title_en,
    strategies::description_cs,
    strategies::period_start,
    strategies::period_end,
    strategies::approving_body,
    strategies::document_title,
    strategies::publisher_id,
) {
    (
        strategies::id,
        strategies::slug,
        strategies::title_cs,
        strategies::title_en,
        strategies::description_cs,
        strategies::period_start,
        strategies::period_end,
        strategies::approving_body,
        strategies::document_title,
        strategies::publisher_id,
    )
}

fn to_strategy(t: StrategyTuple) -> Strategy {
    Strategy {
        id: t.0,
        slug: t.1,
        title_cs: t.2,
        title_en: t.3,
        description_cs: t.4,
        period_start: t.5,
        period_end: t.6,
        approving_body: t.7,
        document_title: t.8,
        publisher_id: t.9,
    }
}

type GoalTuple = (
    String,
    String,
    String,
    Option<String>,
    i32,
    String,
    Option<String>,
    String,
    Option<i32>,
    Option<i32>,
    bool,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn goal_cols() -> (
    goals::id,
    goals::strategy_id,
    goals::chapter,
    goals::sc_code,
    goals::position,
    goals::title_cs,
    goals::title_en,
    goals::description_cs,
    goals::planned_start,
    goals::planned_end,
    goals::continues_after,
    goals::period_note_cs,
    goals::period_note_en,
    goals::owner,
) {
    (
        goals::id,
        goals::strategy_id,
        goals::chapter,
        goals::sc_code,
        goals::position,
        goals::title_cs,
        goals::title_en,
        goals::description_cs,
        goals::planned_start,
        goals::planned_end,
        goals::continues_after,
        goals::period_note_cs,
        goals::period_note_en,
        goals::owner,
    )
}

fn to_goal(t: GoalTuple) -> Goal {
    Goal {
        id: t.0,
        strategy_id: t.1,
        chapter: t.2,
        sc_code: t.3,
        position: t.4,
        title_cs: t.5,
        title_en: t.6,
        description_cs: t.7,
        planned_start: t.8,
        planned_end: t.9,
        continues_after: t.10,
        period_note_cs: t.11,
        period_note_en: t.12,
        owner: t.13,
    }
}

pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<Strategy>> {
    let rows: Vec<StrategyTuple> = strategies::table
        .order(strategies::period_start.desc())
        .select(strategy_cols())
        .load(conn)?;
    Ok(rows.into_iter().map(to_strategy).collect())
}

pub fn by_slug(conn: &mut DbConnection, slug: &str) -> QueryResult<Option<Strategy>> {
    let row: Option<StrategyTuple> = strategies::table
        .filter(strategies::slug.eq(slug))
        .select(strategy_cols())
        .first(conn)
        .optional()?;
    Ok(row.map(to_strategy))
}

pub fn goals_of(conn: &mut DbConnection, strategy_id: &str) -> QueryResult<Vec<Goal>> {
    let rows: Vec<GoalTuple> = goals::table
        .filter(goals::strategy_id.eq(strategy_id))
        .order(goals::position.asc())
        .select(goal_cols())
        .load(conn)?;
    Ok(rows.into_iter().map(to_goal).collect())
}

pub fn measures_of_strategy(conn: &mut DbConnection, strategy_id: &str) -> QueryResult<Vec<Measure>> {
    let rows: Vec<(String, String, i32, String, Option<String>)> = measures::table
        .inner_join(goals::table)
        .filter(goals::strategy_id.eq(strategy_id))
        .order((goals::position.asc(), measures::position.asc()))
        .select((
            measures::id,
            measures::goal_id,
            measures::position,
            measures::text_cs,
            measures::text_en,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| Measure {
            id: r.0,
            goal_id: r.1,
            position: r.2,
            text_cs: r.3,
            text_en: r.4,
        })
        .collect())
}

pub fn detail(conn: &mut DbConnection, slug: &str) -> QueryResult<Option<StrategyDetail>> {
    let Some(strategy) = by_slug(conn, slug)? else {
        return Ok(None);
    };
    let goals = goals_of(conn, &strategy.id)?;
    let mut all_measures = measures_of_strategy(conn, &strategy.id)?;
    let goals = goals
        .into_iter()
        .map(|g| {
            let (mine, rest): (Vec<Measure>, Vec<Measure>) =
                all_measures.drain(..).partition(|m| m.goal_id == g.id);
            all_measures = rest;
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
pub fn upsert_strategy(conn: &mut DbConnection, actor: &Actor, s: &Strategy) -> QueryResult<String> {
    let existing = by_slug(conn, &s.slug)?;
    let id = existing.as_ref().map(|e| e.id.clone()).unwrap_or_else(|| s.id.clone());
    let wanted = Strategy { id: id.clone(), ..s.clone() };
    if existing.as_ref() == Some(&wanted) {
        return Ok(id);
    }
    let ts = now();
    let values = (
        strategies::slug.eq(&wanted.slug),
        strategies::title_cs.eq(&wanted.title_cs),
        strategies::title_en.eq(&wanted.title_en),
        strategies::description_cs.eq(&wanted.description_cs),
        strategies::period_start.eq(wanted.period_start),
        strategies::period_end.eq(wanted.period_end),
        strategies::approving_body.eq(&wanted.approving_body),
        strategies::document_title.eq(&wanted.document_title),
        strategies::publisher_id.eq(&wanted.publisher_id),
        strategies::updated_at.eq(ts),
    );
    if existing.is_some() {
        diesel::update(strategies::table.find(&id)).set(values).execute(conn)?;
    } else {
        diesel::insert_into(strategies::table)
            .values((strategies::id.eq(&id), strategies::created_at.eq(ts), values))
            .execute(conn)?;
    }
    audit::store::record_change(conn, actor, "strategy", &id, &wanted.title_cs, existing.as_ref(), Some(&wanted))?;
    Ok(id)
}

/// Upserts by (strategy, chapter). Returns the stored id.
pub fn upsert_goal(conn: &mut DbConnection, actor: &Actor, g: &Goal) -> QueryResult<String> {
    let existing = goals_of(conn, &g.strategy_id)?
        .into_iter()
        .find(|e| e.chapter == g.chapter);
    let id = existing.as_ref().map(|e| e.id.clone()).unwrap_or_else(|| g.id.clone());
    let wanted = Goal { id: id.clone(), ..g.clone() };
    if existing.as_ref() == Some(&wanted) {
        return Ok(id);
    }
    let ts = now();
    let values = (
        goals::strategy_id.eq(&wanted.strategy_id),
        goals::chapter.eq(&wanted.chapter),
        goals::sc_code.eq(&wanted.sc_code),
        goals::position.eq(wanted.position),
        goals::title_cs.eq(&wanted.title_cs),
        goals::title_en.eq(&wanted.title_en),
        goals::description_cs.eq(&wanted.description_cs),
        goals::planned_start.eq(wanted.planned_start),
        goals::planned_end.eq(wanted.planned_end),
        goals::continues_after.eq(wanted.continues_after),
        goals::period_note_cs.eq(&wanted.period_note_cs),
        goals::period_note_en.eq(&wanted.period_note_en),
        goals::owner.eq(&wanted.owner),
        goals::updated_at.eq(ts),
    );
    if existing.is_some() {
        diesel::update(goals::table.find(&id)).set(values).execute(conn)?;
    } else {
        diesel::insert_into(goals::table)
            .values((goals::id.eq(&id), goals::created_at.eq(ts), values))
            .execute(conn)?;
    }
    let label = format!("{} {}", wanted.chapter, wanted.title_cs);
    audit::store::record_change(conn, actor, "goal", &id, &label, existing.as_ref(), Some(&wanted))?;
    Ok(id)
}

/// Makes a goal's measures exactly `texts` (by position), auditing each change.
pub fn sync_measures(
    conn: &mut DbConnection,
    actor: &Actor,
    goal_id: &str,
    texts: &[(String, Option<String>)],
) -> QueryResult<()> {
    let rows: Vec<(String, String, i32, String, Option<String>)> = measures::table
        .filter(measures::goal_id.eq(goal_id))
        .order(measures::position.asc())
        .select((
            measures::id,
            measures::goal_id,
            measures::position,
            measures::text_cs,
            measures::text_en,
        ))
        .load(conn)?;
    let existing: Vec<Measure> = rows
        .into_iter()
        .map(|r| Measure {
            id: r.0,
            goal_id: r.1,
            position: r.2,
            text_cs: r.3,
            text_en: r.4,
        })
        .collect();
    let ts = now();
    for (i, (text_cs, text_en)) in texts.iter().enumerate() {
        let position = i as i32 + 1;
        let old = existing.iter().find(|m| m.position == position);
        let id = old.map(|m| m.id.clone()).unwrap_or_else(crate::db::new_id);
        let wanted = Measure {
            id: id.clone(),
            goal_id: goal_id.to_string(),
            position,
            text_cs: text_cs.clone(),
            text_en: text_en.clone(),
        };
        if old == Some(&wanted) {
            continue;
        }
        if old.is_some() {
            diesel::update(measures::table.find(&id))
                .set((
                    measures::text_cs.eq(&wanted.text_cs),
                    measures::text_en.eq(&wanted.text_en),
                    measures::updated_at.eq(ts),
                ))
                .execute(conn)?;
        } else {
            diesel::insert_into(measures::table)
                .values((
                    measures::id.eq(&id),
                    measures::goal_id.eq(goal_id),
                    measures::position.eq(position),
                    measures::text_cs.eq(&wanted.text_cs),
                    measures::text_en.eq(&wanted.text_en),
                    measures::created_at.eq(ts),
                    measures::updated_at.eq(ts),
                ))
                .execute(conn)?;
        }
        audit::store::record_change(conn, actor, "measure", &id, &wanted.text_cs, old, Some(&wanted))?;
    }
    for old in existing.iter().filter(|m| m.position as usize > texts.len()) {
        diesel::delete(measures::table.find(&old.id)).execute(conn)?;
        audit::store::record_change(conn, actor, "measure", &old.id, &old.text_cs, Some(old), None)?;
    }
    Ok(())
}
