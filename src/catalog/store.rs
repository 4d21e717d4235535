use diesel::prelude::*;

use super::model::{CatalogRecord, Concept, HomeSummary, Publisher};
use crate::audit::{self, Actor};
use crate::db::schema::{catalog_record, publishers, vocab_concepts};
use crate::db::{DbConnection, now};

type PublisherCols = (
    publishers::id,
    publishers::slug,
    publishers::name_cs,
    publishers::name_en,
    publishers::kind,
    publishers::ico,
    publishers::rpp_iri,
    publishers::homepage,
    publishers::email,
    publishers::position,
);

const PUBLISHER_COLS: PublisherCols = (
    publishers::id,
    publishers::slug,
    publishers::name_cs,
    publishers::name_en,
    publishers::kind,
    publishers::ico,
    publishers::rpp_iri,
    publishers::homepage,
    publishers::email,
    publishers::position,
);

type PublisherTuple = (
    String,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    i32,
);

fn to_publisher(t: PublisherTuple) -> Publisher {
    Publisher {
        id: t.0,
        slug: t.1,
        name_cs: t.2,
        name_en: t.3,
        kind: t.4,
        ico: t.5,
        rpp_iri: t.6,
        homepage: t.7,
        email: t.8,
        position: t.9,
    }
}

pub fn list_publishers(conn: &mut DbConnection) -> QueryResult<Vec<Publisher>> {
    let rows: Vec<PublisherTuple> = publishers::table
        .order((publishers::position.asc(), publishers::name_cs.asc()))
        .select(PUBLISHER_COLS)
        .load(conn)?;
    Ok(rows.into_iter().map(to_publisher).collect())
}

pub fn publisher_by_slug(conn: &mut DbConnection, slug: &str) -> QueryResult<Option<Publisher>> {
    let row: Option<PublisherTuple> = publishers::table
        .filter(publishers::slug.eq(slug))
        .select(PUBLISHER_COLS)
        .first(conn)
        .optional()?;
    Ok(row.map(to_publisher))
}

/// Inserts or updates by slug; writes an audit row only when it changed.
pub fn upsert_publisher(conn: &mut DbConnection, actor: &Actor, p: &Publisher) -> QueryResult<String> {
    let existing = publisher_by_slug(conn, &p.slug)?;
    let ts = now();
    let id = existing.as_ref().map(|e| e.id.clone()).unwrap_or_else(|| p.id.clone());
    let wanted = Publisher { id: id.clone(), ..p.clone() };
    if existing.as_ref() == Some(&wanted) {
        return Ok(id);
    }
    let values = (
        publishers::slug.eq(&wanted.slug),
        publishers::name_cs.eq(&wanted.name_cs),
        publishers::name_en.eq(&wanted.name_en),
        publishers::kind.eq(&wanted.kind),
        publishers::ico.eq(&wanted.ico),
        publishers::rpp_iri.eq(&wanted.rpp_iri),
        publishers::homepage.eq(&wanted.homepage),
        publishers::email.eq(&wanted.email),
        publishers::position.eq(wanted.position),
        publishers::updated_at.eq(ts),
    );
    if existing.is_some() {
        diesel::update(publishers::table.find(&id)).set(values).execute(conn)?;
    } else {
        diesel::insert_into(publishers::table)
            .values((publishers::id.eq(&id), publishers::created_at.eq(ts), values))
            .execute(conn)?;
    }
    audit::store::record_change(
        conn,
        actor,
        "publisher",
        &id,
        &wanted.name_cs,
        existing.as_ref(),
        Some(&wanted),
    )?;
    Ok(id)
}

pub fn catalog(conn: &mut DbConnection) -> QueryResult<Option<CatalogRecord>> {
    let row = catalog_record::table
        .find("default")
        .select((
            catalog_record::title_cs,
            catalog_record::title_en,
            catalog_record::description_cs,
            catalog_record::description_en,
            catalog_record::homepage,
            catalog_record::contact_email,
            catalog_record::publisher_id,
        ))
        .first::<(
            String,
            Option<String>,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            String,
        )>(conn)
        .optional()?;
    Ok(row.map(|r| CatalogRecord {
        title_cs: r.0,
        title_en: r.1,
        description_cs: r.2,
        description_en: r.3,
        homepage: r.4,
        contact_email: r.5,
        publisher_id: r.6,
    }))
}

pub fn upsert_catalog(conn: &mut DbConnection, actor: &Actor, rec: &CatalogRecord) -> QueryResult<()> {
    let existing = catalog(conn)?;
    if existing.as_ref() == Some(rec) {
        return Ok(());
    }
    let values = (
        catalog_record::title_cs.eq(&rec.title_cs),
        catalog_record::title_en.eq(&rec.title_en),
        catalog_record::description_cs.eq(&rec.description_cs),
        catalog_record::description_en.eq(&rec.description_en),
        catalog_record::homepage.eq(&rec.homepage),
        catalog_record::contact_email.eq(&rec.contact_email),
        catalog_record::publisher_id.eq(&rec.publisher_id),
        catalog_record::updated_at.eq(now()),
    );
    if existing.is_some() {
        diesel::update(catalog_record::table.find("default")).set(values).execute(conn)?;
    } else {
        diesel::insert_into(catalog_record::table)
            .values((catalog_record::id.eq("default"), values))
            .execute(conn)?;
    }
    audit::store::record_change(conn, actor, "catalog", "default", &rec.title_cs, existing.as_ref(), Some(rec))?;
    Ok(())
}

pub fn concepts(conn: &mut DbConnection, scheme: Option<&str>) -> QueryResult<Vec<Concept>> {
    let mut q = vocab_concepts::table.into_boxed();
    if let Some(s) = scheme {
        q = q.filter(vocab_concepts::scheme.eq(s.to_string()));
    }
    let rows: Vec<(String, String, String, String, String, Option<String>, i32)> = q
        .order((vocab_concepts::scheme.asc(), vocab_concepts::position.asc()))
        .select((
            vocab_concepts::iri,
            vocab_concepts::scheme,
            vocab_concepts::code,
            vocab_concepts::label_cs,
            vocab_concepts::label_en,
            vocab_concepts::media_type,
            vocab_concepts::position,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| Concept {
            iri: r.0,
            scheme: r.1,
            code: r.2,
            label_cs: r.3,
            label_en: r.4,
            media_type: r.5,
            position: r.6,
        })
        .collect())
}

pub fn upsert_concept(conn: &mut DbConnection, actor: &Actor, c: &Concept) -> QueryResult<()> {
    let existing = concepts(conn, Some(&c.scheme))?
        .into_iter()
        .find(|e| e.iri == c.iri);
    if existing.as_ref() == Some(c) {
        return Ok(());
    }
    let values = (
        vocab_concepts::scheme.eq(&c.scheme),
        vocab_concepts::code.eq(&c.code),
        vocab_concepts::label_cs.eq(&c.label_cs),
        vocab_concepts::label_en.eq(&c.label_en),
        vocab_concepts::media_type.eq(&c.media_type),
        vocab_concepts::position.eq(c.position),
    );
    if existing.is_some() {
        diesel::update(vocab_concepts::table.find(&c.iri)).set(values).execute(conn)?;
    } else {
        diesel::insert_into(vocab_concepts::table)
            .values((vocab_concepts::iri.eq(&c.iri), values))
            .execute(conn)?;
    }
    audit::store::record_change(conn, actor, "vocab_concept", &c.iri, &c.label_cs, existing.as_ref(), Some(c))?;
    Ok(())
}

pub fn home_summary(conn: &mut DbConnection) -> QueryResult<HomeSummary> {
    let cat = catalog(conn)?;
    let publishers: i64 = publishers::table.count().get_result(conn)?;
    Ok(HomeSummary {
        catalog_title_cs: cat.as_ref().map(|c| c.title_cs.clone()).unwrap_or_default(),
        catalog_title_en: cat.and_then(|c| c.title_en),
        publishers,
        strategies: crate::strategy::store::summaries(conn)?,
    })
}
