//! The catalog's queries: publishers, the catalog record, vocabularies and
//! datasets. A dataset is saved as one record (dataset, themes, keywords,
//! distributions) with one audit row. Nothing here decides who may write:
//! that is `service::Policy`.

use std::collections::HashMap;

use diesel::prelude::*;

use super::model::{
    CatalogRecord, CatalogSummary, Concept, Dataset, DatasetRecord, DatasetStatus, Distribution,
    Publisher, RecentDataset,
};
use crate::audit::store::Object;
use crate::audit::{self, Actor};
use crate::db::schema::{
    catalog_record, dataset_keywords, dataset_themes, datasets, distributions, publishers,
    vocab_concepts,
};
use crate::db::{DbConnection, now};
use crate::lifecycle::Moved;

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

/// The catalog's part of the home page.
pub fn summary(conn: &mut DbConnection) -> QueryResult<CatalogSummary> {
    let cat = catalog(conn)?;
    let publishers: i64 = publishers::table.count().get_result(conn)?;
    let datasets: i64 = crate::db::schema::datasets::table
        .filter(crate::db::schema::datasets::status.eq(DatasetStatus::Published))
        .count()
        .get_result(conn)?;
    // The index on (status, updated_at) reads these six rows, not the table.
    let recent = crate::db::schema::datasets::table
        .filter(crate::db::schema::datasets::status.eq(DatasetStatus::Published))
        .order(crate::db::schema::datasets::updated_at.desc())
        .select((
            crate::db::schema::datasets::slug,
            crate::db::schema::datasets::title_cs,
            crate::db::schema::datasets::title_en,
            crate::db::schema::datasets::updated_at,
        ))
        .limit(6)
        .load::<(String, String, Option<String>, chrono::NaiveDateTime)>(conn)?
        .into_iter()
        .map(|(slug, title_cs, title_en, changed_at)| RecentDataset {
            slug,
            title_cs,
            title_en,
            changed_at,
        })
        .collect();
    Ok(CatalogSummary {
        title_cs: cat.as_ref().map(|c| c.title_cs.clone()).unwrap_or_default(),
        title_en: cat.and_then(|c| c.title_en),
        publishers,
        datasets,
        recent,
        themes: Vec::new(),
    })
}

pub fn record_by_slug(conn: &mut DbConnection, slug: &str) -> QueryResult<Option<DatasetRecord>> {
    let Some(dataset) = datasets::table
        .filter(datasets::slug.eq(slug))
        .select(Dataset::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let mut themes: Vec<String> = dataset_themes::table
        .filter(dataset_themes::dataset_id.eq(&dataset.id))
        .select(dataset_themes::iri)
        .load(conn)?;
    themes.sort();
    let keywords: Vec<(String, String)> = dataset_keywords::table
        .filter(dataset_keywords::dataset_id.eq(&dataset.id))
        .order(dataset_keywords::keyword.asc())
        .select((dataset_keywords::lang, dataset_keywords::keyword))
        .load(conn)?;
    // Sorted here, not by the database's collation, which differs between
    // SQLite and PostgreSQL: `save_record` compares with Rust's order.
    let of_lang = |l: &str| {
        let mut v = keywords
            .iter()
            .filter(|(lang, _)| lang == l)
            .map(|(_, k)| k.clone())
            .collect::<Vec<_>>();
        v.sort();
        v
    };
    let distributions = distributions::table
        .filter(distributions::dataset_id.eq(&dataset.id))
        .order(distributions::position.asc())
        .select(Distribution::as_select())
        .load(conn)?;
    Ok(Some(DatasetRecord {
        themes,
        keywords_cs: of_lang("cs"),
        keywords_en: of_lang("en"),
        distributions,
        dataset,
    }))
}

/// Whether this publisher is assigned to this user (`service::Policy`).
pub fn is_assigned(
    conn: &mut DbConnection,
    user_id: &str,
    publisher_id: &str,
) -> QueryResult<bool> {
    use crate::db::schema::user_publishers;
    let n: i64 = user_publishers::table
        .filter(user_publishers::user_id.eq(user_id))
        .filter(user_publishers::publisher_id.eq(publisher_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The version of a dataset an editor starts from: the audit sequence
/// number of its last change (0 when it has none).
pub fn version(conn: &mut DbConnection, id: &str) -> QueryResult<i64> {
    audit::store::last_seq(conn, "dataset", id)
}

/// The publishers the user may act for, in list order (one query).
pub fn publishers_for(
    conn: &mut DbConnection,
    user: &crate::auth::CurrentUser,
) -> QueryResult<Vec<super::model::Publisher>> {
    use crate::db::schema::user_publishers;
    if user.has(crate::auth::Role::Admin) {
        return list_publishers(conn);
    }
    if !user.has(crate::auth::Role::Curator) {
        return Ok(Vec::new());
    }
    publishers::table
        .filter(
            publishers::id.eq_any(
                user_publishers::table
                    .filter(user_publishers::user_id.eq(&user.id))
                    .select(user_publishers::publisher_id),
            ),
        )
        .order((publishers::position.asc(), publishers::name_cs.asc()))
        .select(super::model::Publisher::as_select())
        .load(conn)
}

/// How much of the dataset's history is public: from its first
/// publication on. A draft's (and a deleted draft's) is not.
pub fn history_public_since(
    conn: &mut DbConnection,
    id: &str,
) -> QueryResult<crate::audit::registry::Visible> {
    use crate::audit::registry::Visible;
    let found: Option<Dataset> = datasets::table
        .find(id)
        .select(Dataset::as_select())
        .first(conn)
        .optional()?;
    Ok(match found {
        Some(d) => match d.published_at {
            Some(at) => Visible::From(at),
            // Out in public before the first publication was recorded.
            None if d.was_published() => Visible::Whole,
            None => Visible::No,
        },
        None => Visible::No,
    })
}

/// Inserts or updates the record by slug (ids of the dataset and of the
/// distributions at the same positions are kept); audit row only on change,
/// a "transition" row with its reason when `moved` says it was one.
pub fn save_record(
    conn: &mut DbConnection,
    actor: &Actor,
    wanted: &DatasetRecord,
    moved: Option<&Moved>,
) -> QueryResult<String> {
    let existing = record_by_slug(conn, &wanted.dataset.slug)?;
    let mut rec = wanted.clone();
    rec.themes.sort();
    rec.themes.dedup();
    rec.keywords_cs.sort();
    rec.keywords_cs.dedup();
    rec.keywords_en.sort();
    rec.keywords_en.dedup();
    if let Some(old) = &existing {
        rec.dataset.id = old.dataset.id.clone();
        rec.dataset.published_at = rec.dataset.published_at.or(old.dataset.published_at);
    }
    if rec.dataset.status == DatasetStatus::Published && rec.dataset.published_at.is_none() {
        rec.dataset.published_at = Some(now());
    }
    let id = rec.dataset.id.clone();
    // A distribution keeps its id (its IRI is made of it) when it names a
    // stored one of this dataset; otherwise it takes the id at its position
    // unless another claims that one; an id from elsewhere is never trusted.
    let old_ids: Vec<String> = existing
        .as_ref()
        .map(|o| o.distributions.iter().map(|d| d.id.clone()).collect())
        .unwrap_or_default();
    let mut claimed = std::collections::HashSet::new();
    // A distribution the system makes (a stored file) comes with its id
    // chosen already, as its download URL is made of it: a fresh UUID that
    // no distribution has is kept too.
    let mut keeps: Vec<bool> = Vec::with_capacity(rec.distributions.len());
    for d in &rec.distributions {
        let fresh = d.is_managed()
            && d.download_url.as_deref().is_some_and(|u| u.contains(&d.id))
            && !old_ids.contains(&d.id)
            && uuid::Uuid::parse_str(&d.id).is_ok()
            && distributions::table
                .find(&d.id)
                .count()
                .get_result::<i64>(conn)?
                == 0;
        keeps.push((old_ids.contains(&d.id) || fresh) && claimed.insert(d.id.clone()));
    }
    for (i, d) in rec.distributions.iter_mut().enumerate() {
        d.position = i as i32 + 1;
        d.dataset_id = id.clone();
        if keeps[i] {
            continue;
        }
        d.id = match old_ids.get(i) {
            Some(old) if claimed.insert(old.clone()) => old.clone(),
            _ => crate::db::new_id(),
        };
    }
    if existing.as_ref() == Some(&rec) {
        return Ok(id);
    }
    let ts = now();
    if existing.is_some() {
        diesel::update(datasets::table.find(&id))
            .set((&rec.dataset, datasets::updated_at.eq(ts)))
            .execute(conn)?;
        diesel::delete(dataset_themes::table.filter(dataset_themes::dataset_id.eq(&id)))
            .execute(conn)?;
        diesel::delete(dataset_keywords::table.filter(dataset_keywords::dataset_id.eq(&id)))
            .execute(conn)?;
        diesel::delete(distributions::table.filter(distributions::dataset_id.eq(&id)))
            .execute(conn)?;
    } else {
        diesel::insert_into(datasets::table)
            .values((
                &rec.dataset,
                datasets::created_at.eq(ts),
                datasets::updated_at.eq(ts),
            ))
            .execute(conn)?;
    }
    for iri in &rec.themes {
        diesel::insert_into(dataset_themes::table)
            .values((
                dataset_themes::dataset_id.eq(&id),
                dataset_themes::iri.eq(iri),
            ))
            .execute(conn)?;
    }
    for (lang, words) in [("cs", &rec.keywords_cs), ("en", &rec.keywords_en)] {
        for k in words {
            diesel::insert_into(dataset_keywords::table)
                .values((
                    dataset_keywords::dataset_id.eq(&id),
                    dataset_keywords::lang.eq(lang),
                    dataset_keywords::keyword.eq(k),
                ))
                .execute(conn)?;
        }
    }
    for d in &rec.distributions {
        diesel::insert_into(distributions::table)
            .values((
                d,
                distributions::created_at.eq(ts),
                distributions::updated_at.eq(ts),
            ))
            .execute(conn)?;
    }
    let before = existing.as_ref().and_then(|e| serde_json::to_value(e).ok());
    let mut after = serde_json::to_value(&rec).ok();
    // Each move is its own action in the log, with its reason; a harvest's
    // writes say so; a curator's are a create or a change, logged only when
    // something changed.
    let action = match moved {
        Some(moved) => {
            if let Some(a) = after.as_mut() {
                a["transition"] = serde_json::to_value(moved).unwrap_or_default();
            }
            match (moved.from, moved.to) {
                ("draft", "published") => "publish",
                ("published", "withdrawn") => "withdraw",
                ("withdrawn", "published") => "republish",
                _ => "transition",
            }
        }
        None if before == after => return Ok(id),
        None if rec.dataset.is_harvested() => "harvest",
        None if before.is_none() => "create",
        None => "update",
    };
    audit::record(
        conn,
        actor,
        audit::Entry {
            action,
            object_type: "dataset",
            object_id: &id,
            object_label: &rec.dataset.title_cs,
            before,
            after,
        },
    )?;
    Ok(id)
}

/// Deletes a dataset with everything that hangs off it, audited with the
/// whole record as it was.
pub fn delete_record(
    conn: &mut DbConnection,
    actor: &Actor,
    rec: &DatasetRecord,
) -> QueryResult<()> {
    let id = &rec.dataset.id;
    diesel::delete(dataset_themes::table.filter(dataset_themes::dataset_id.eq(id)))
        .execute(conn)?;
    diesel::delete(dataset_keywords::table.filter(dataset_keywords::dataset_id.eq(id)))
        .execute(conn)?;
    diesel::delete(distributions::table.filter(distributions::dataset_id.eq(id))).execute(conn)?;
    diesel::delete(datasets::table.find(id)).execute(conn)?;
    audit::store::record_change(
        conn,
        actor,
        "dataset",
        id,
        &rec.dataset.title_cs,
        Some(rec),
        None,
    )?;
    Ok(())
}

/// Published datasets ordered by id, `limit` after `after`, each with its
/// last change: the projection and the dump walk the catalog in such pages
/// (four queries a page), never holding it all.
pub fn published_page(
    conn: &mut DbConnection,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<(DatasetRecord, chrono::NaiveDateTime)>> {
    let mut q = datasets::table
        .filter(datasets::status.eq(DatasetStatus::Published))
        .into_boxed();
    if let Some(after) = after {
        q = q.filter(datasets::id.gt(after.to_string()));
    }
    let rows: Vec<(Dataset, chrono::NaiveDateTime)> = q
        .order(datasets::id.asc())
        .limit(limit)
        .select((Dataset::as_select(), datasets::updated_at))
        .load(conn)?;
    with_children(conn, rows)
}

/// The dataset with this id and its last change, whatever its status.
/// One line of a curator's own datasets: every state, the newest change
/// first.
#[derive(serde::Serialize, Debug, Clone)]
pub struct OwnDataset {
    pub slug: String,
    pub title_cs: String,
    pub title_en: Option<String>,
    pub status: DatasetStatus,
    pub publisher: String,
    pub changed_at: chrono::NaiveDateTime,
    pub harvested: bool,
}

/// The datasets of these publishers (by id), or of all when `None` (an
/// admin's), in every state, newest change first; and how many there are.
pub fn datasets_of(
    conn: &mut DbConnection,
    publisher_ids: Option<&[String]>,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<OwnDataset>, i64)> {
    let mut q = datasets::table
        .inner_join(publishers::table)
        .select((
            datasets::slug,
            datasets::title_cs,
            datasets::title_en,
            datasets::status,
            publishers::name_cs,
            datasets::updated_at,
            datasets::harvest_source_id.is_not_null(),
        ))
        .into_boxed();
    let mut count = datasets::table.count().into_boxed();
    if let Some(ids) = publisher_ids {
        q = q.filter(datasets::publisher_id.eq_any(ids.to_vec()));
        count = count.filter(datasets::publisher_id.eq_any(ids.to_vec()));
    }
    let total: i64 = count.get_result(conn)?;
    let rows = q
        .order((datasets::updated_at.desc(), datasets::id))
        .limit(limit)
        .offset(offset)
        .load::<(
            String,
            String,
            Option<String>,
            DatasetStatus,
            String,
            chrono::NaiveDateTime,
            bool,
        )>(conn)?
        .into_iter()
        .map(
            |(slug, title_cs, title_en, status, publisher, changed_at, harvested)| OwnDataset {
                slug,
                title_cs,
                title_en,
                status,
                publisher,
                changed_at,
                harvested,
            },
        )
        .collect();
    Ok((rows, total))
}

/// When a dataset last changed (`dct:modified`).
pub fn modified_of(
    conn: &mut DbConnection,
    id: &str,
) -> QueryResult<Option<chrono::NaiveDateTime>> {
    datasets::table
        .filter(datasets::id.eq(id))
        .select(datasets::updated_at)
        .first(conn)
        .optional()
}

/// The datasets with a distribution that `feature` manages (or manages
/// as the seed's example).
pub fn datasets_with_managed(conn: &mut DbConnection, feature: &str) -> QueryResult<Vec<String>> {
    let example = format!("{feature}{}", super::model::EXAMPLE_SUFFIX);
    distributions::table
        .filter(
            distributions::managed_by
                .eq(feature)
                .or(distributions::managed_by.eq(example)),
        )
        .select(distributions::dataset_id)
        .distinct()
        .load(conn)
}

/// The id of the dataset a distribution belongs to.
pub fn dataset_of_distribution(
    conn: &mut DbConnection,
    distribution_id: &str,
) -> QueryResult<Option<String>> {
    distributions::table
        .find(distribution_id)
        .select(distributions::dataset_id)
        .first(conn)
        .optional()
}

pub fn record_by_id(
    conn: &mut DbConnection,
    id: &str,
) -> QueryResult<Option<(DatasetRecord, chrono::NaiveDateTime)>> {
    let rows: Vec<(Dataset, chrono::NaiveDateTime)> = datasets::table
        .filter(datasets::id.eq(id))
        .select((Dataset::as_select(), datasets::updated_at))
        .load(conn)?;
    Ok(with_children(conn, rows)?.into_iter().next())
}

fn with_children(
    conn: &mut DbConnection,
    rows: Vec<(Dataset, chrono::NaiveDateTime)>,
) -> QueryResult<Vec<(DatasetRecord, chrono::NaiveDateTime)>> {
    let ids: Vec<&String> = rows.iter().map(|(d, _)| &d.id).collect();
    let mut themes: HashMap<String, Vec<String>> = HashMap::new();
    for (id, iri) in dataset_themes::table
        .filter(dataset_themes::dataset_id.eq_any(&ids))
        .order((dataset_themes::dataset_id, dataset_themes::iri))
        .select((dataset_themes::dataset_id, dataset_themes::iri))
        .load::<(String, String)>(conn)?
    {
        themes.entry(id).or_default().push(iri);
    }
    let mut keywords: HashMap<(String, String), Vec<String>> = HashMap::new();
    for (id, lang, k) in dataset_keywords::table
        .filter(dataset_keywords::dataset_id.eq_any(&ids))
        .order((dataset_keywords::dataset_id, dataset_keywords::keyword))
        .select((
            dataset_keywords::dataset_id,
            dataset_keywords::lang,
            dataset_keywords::keyword,
        ))
        .load::<(String, String, String)>(conn)?
    {
        keywords.entry((id, lang)).or_default().push(k);
    }
    let mut dists: HashMap<String, Vec<Distribution>> = HashMap::new();
    for d in distributions::table
        .filter(distributions::dataset_id.eq_any(&ids))
        .order((distributions::dataset_id, distributions::position))
        .select(Distribution::as_select())
        .load(conn)?
    {
        dists.entry(d.dataset_id.clone()).or_default().push(d);
    }
    Ok(rows
        .into_iter()
        .map(|(dataset, modified)| {
            let id = dataset.id.clone();
            let rec = DatasetRecord {
                themes: themes.remove(&id).unwrap_or_default(),
                keywords_cs: keywords
                    .remove(&(id.clone(), "cs".into()))
                    .unwrap_or_default(),
                keywords_en: keywords
                    .remove(&(id.clone(), "en".into()))
                    .unwrap_or_default(),
                distributions: dists.remove(&id).unwrap_or_default(),
                dataset,
            };
            (rec, modified)
        })
        .collect())
}
