use diesel::prelude::*;

use super::model::{CatalogRecord, Concept, HomeSummary, Publisher};
use crate::audit::store::Object;
use crate::audit::{self, Actor};
use crate::db::schema::{catalog_record, publishers, vocab_concepts};
use crate::db::{DbConnection, now};

pub fn list_publishers(conn: &mut DbConnection) -> QueryResult<Vec<Publisher>> {
    publishers::table
        .order((publishers::position.asc(), publishers::name_cs.asc()))
        .select(Publisher::as_select())
        .load(conn)
}

pub fn publisher_by_slug(conn: &mut DbConnection, slug: &str) -> QueryResult<Option<Publisher>> {
    publishers::table
        .filter(publishers::slug.eq(slug))
        .select(Publisher::as_select())
        .first(conn)
        .optional()
}

pub fn publisher_by_id(conn: &mut DbConnection, id: &str) -> QueryResult<Publisher> {
    publishers::table
        .find(id)
        .select(Publisher::as_select())
        .first(conn)
}

/// Inserts or updates by slug; writes an audit row only when it changed.
pub fn upsert_publisher(
    conn: &mut DbConnection,
    actor: &Actor,
    p: &Publisher,
) -> QueryResult<String> {
    let existing = publisher_by_slug(conn, &p.slug)?;
    let id = existing
        .as_ref()
        .map(|e| e.id.clone())
        .unwrap_or_else(|| p.id.clone());
    let wanted = Publisher {
        id: id.clone(),
        ..p.clone()
    };
    let ts = now();
    audit::store::save(
        conn,
        actor,
        Object {
            kind: "publisher",
            id: &id,
            label: &wanted.name_cs,
        },
        existing.as_ref(),
        &wanted,
        |c, exists| {
            if exists {
                diesel::update(publishers::table.find(&id))
                    .set((&wanted, publishers::updated_at.eq(ts)))
                    .execute(c)
            } else {
                diesel::insert_into(publishers::table)
                    .values((
                        &wanted,
                        publishers::created_at.eq(ts),
                        publishers::updated_at.eq(ts),
                    ))
                    .execute(c)
            }
        },
    )?;
    Ok(id)
}

const CATALOG_ID: &str = "default";

pub fn catalog(conn: &mut DbConnection) -> QueryResult<Option<CatalogRecord>> {
    catalog_record::table
        .find(CATALOG_ID)
        .select(CatalogRecord::as_select())
        .first(conn)
        .optional()
}

pub fn upsert_catalog(
    conn: &mut DbConnection,
    actor: &Actor,
    rec: &CatalogRecord,
) -> QueryResult<()> {
    let existing = catalog(conn)?;
    let ts = now();
    audit::store::save(
        conn,
        actor,
        Object {
            kind: "catalog",
            id: CATALOG_ID,
            label: &rec.title_cs,
        },
        existing.as_ref(),
        rec,
        |c, exists| {
            if exists {
                diesel::update(catalog_record::table.find(CATALOG_ID))
                    .set((rec, catalog_record::updated_at.eq(ts)))
                    .execute(c)
            } else {
                diesel::insert_into(catalog_record::table)
                    .values((
                        rec,
                        catalog_record::id.eq(CATALOG_ID),
                        catalog_record::updated_at.eq(ts),
                    ))
                    .execute(c)
            }
        },
    )?;
    Ok(())
}

pub fn concepts(conn: &mut DbConnection, scheme: Option<&str>) -> QueryResult<Vec<Concept>> {
    let mut q = vocab_concepts::table.into_boxed();
    if let Some(s) = scheme {
        q = q.filter(vocab_concepts::scheme.eq(s.to_string()));
    }
    q.order((vocab_concepts::scheme.asc(), vocab_concepts::position.asc()))
        .select(Concept::as_select())
        .load(conn)
}

pub fn upsert_concept(conn: &mut DbConnection, actor: &Actor, c: &Concept) -> QueryResult<()> {
    let existing: Option<Concept> = vocab_concepts::table
        .find(&c.iri)
        .select(Concept::as_select())
        .first(conn)
        .optional()?;
    audit::store::save(
        conn,
        actor,
        Object {
            kind: "vocab_concept",
            id: &c.iri,
            label: &c.label_cs,
        },
        existing.as_ref(),
        c,
        |db, exists| {
            if exists {
                diesel::update(vocab_concepts::table.find(&c.iri))
                    .set(c)
                    .execute(db)
            } else {
                diesel::insert_into(vocab_concepts::table)
                    .values(c)
                    .execute(db)
            }
        },
    )?;
    Ok(())
}

pub fn home_summary(conn: &mut DbConnection) -> QueryResult<HomeSummary> {
    let cat = catalog(conn)?;
    let publishers: i64 = publishers::table.count().get_result(conn)?;
    let datasets: i64 = crate::db::schema::datasets::table
        .filter(crate::db::schema::datasets::status.eq("published"))
        .count()
        .get_result(conn)?;
    Ok(HomeSummary {
        catalog_title_cs: cat.as_ref().map(|c| c.title_cs.clone()).unwrap_or_default(),
        catalog_title_en: cat.and_then(|c| c.title_en),
        publishers,
        datasets,
        strategies: crate::strategy::store::summaries(conn)?,
    })
}
