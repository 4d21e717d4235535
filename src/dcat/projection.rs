//! The catalog's RDF projection in the compact store (`dcat::store`): the catalog
//! itself (catalog, publishers, vocabularies) in the named graph of its IRI,
//! the datasets in the default graph, where the nodes they share (a RÚIAN
//! territory's type, a media type, a terms-of-use specification) are stored
//! once. A dataset owns its IRI and the IRIs under it (distributions, its
//! contact point and period); replacing a dataset replaces those. SPARQL
//! sees the union.
//!
//! The projection follows the audit log (`audit::follow`): the rows after
//! the last one applied say exactly which graphs to redo. That keeps it in
//! step after a write in this request, after a write by another process (the
//! CLI, another server on the same PostgreSQL), and after `radnice reindex`,
//! with one mechanism and one primary-key read per request when nothing
//! changed.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Instant;

use diesel::prelude::*;
use oxigraph::model::{GraphName, GraphNameRef, NamedNode, NamedNodeRef, Quad, QuadRef};

use super::graph::{self, Iris, Triples};
use super::record::Facts;
use super::store::{Builder, Snapshot, Store};
use crate::audit::follow::{Changes, Cursor, REINDEX_TYPE};
use crate::catalog::store as catalog_store;
use crate::db::DbConnection;
use crate::error::AppError;

/// How long a head read vouches for the store to readers that skip the
/// database: another process's write shows within this time.
const FRESH_FOR: std::time::Duration = std::time::Duration::from_millis(100);

/// Datasets loaded per round trip while rebuilding.
const PAGE: i64 = 2_000;

/// Another domain's resources in the store (the strategies' SKOS and Data
/// Cube): named graphs it owns and makes from the database, redone when
/// audit rows of the types it follows arrive. It depends on the catalog's
/// RDF kit, never the other way round.
pub trait GraphSource: Send + Sync {
    /// The audit object types its graphs are made of.
    fn follows(&self) -> &'static [&'static str];
    /// Every graph it owns, for a rebuild.
    fn all(&self, conn: &mut DbConnection, iris: &Iris)
    -> Result<Vec<(String, Triples)>, AppError>;
    /// The graphs these changes touch, each with its whole new content
    /// (empty when the graph is gone).
    fn changed(
        &self,
        conn: &mut DbConnection,
        iris: &Iris,
        changes: &Changes,
    ) -> Result<Vec<(String, Triples)>, AppError>;
}

pub struct Projection {
    iris: Iris,
    sources: Vec<Arc<dyn GraphSource>>,
    /// The catalog's types and the sources'.
    follows: Vec<&'static str>,
    /// Replaced whole on a rebuild, so readers never see a half-built store.
    store: Store,
    /// What a published dataset's page needs beside its triples, by slug.
    facts: RwLock<HashMap<Box<str>, Arc<Facts>>>,
    /// Where the store stands in the audit log.
    cursor: Cursor,
}

#[derive(Debug, Clone, Copy)]
pub struct RebuildReport {
    pub datasets: usize,
    pub triples: usize,
    pub millis: u128,
}

impl Projection {
    pub fn new(base_url: &str) -> anyhow::Result<Projection> {
        Ok(Projection {
            iris: Iris::new(base_url),
            sources: Vec::new(),
            follows: crate::catalog::changes::FOLLOWED.to_vec(),
            store: Store::new(),
            facts: RwLock::new(HashMap::new()),
            cursor: Cursor::default(),
        })
    }

    /// Adds a source of named graphs (before the first build).
    pub fn with_source(mut self, source: Arc<dyn GraphSource>) -> Projection {
        self.follows.extend_from_slice(source.follows());
        self.sources.push(source);
        self
    }

    pub fn iris(&self) -> &Iris {
        &self.iris
    }

    /// The current snapshot of the store, caught up with the database.
    pub fn current(&self, conn: &mut DbConnection) -> Result<Snapshot, AppError> {
        self.catch_up(conn)?;
        Ok(self.store.snapshot())
    }

    /// The store without asking the database, when a request caught it up
    /// less than `FRESH_FOR` ago (see `Cursor::fresh`); `None` otherwise.
    pub fn fresh(&self) -> Option<Snapshot> {
        self.cursor.fresh(FRESH_FOR).then(|| self.store.snapshot())
    }

    /// The page facts of a published dataset, with the store they belong
    /// to, when the store is fresh (see `fresh`).
    pub fn fresh_page(&self, slug: &str) -> Option<(Snapshot, Arc<Facts>)> {
        let store = self.fresh()?;
        let facts = self
            .facts
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(slug)?
            .clone();
        Some((store, facts))
    }

    /// Makes the projection fresh with one database read however many
    /// requests find it stale at once (see `Cursor::refresh`).
    pub async fn refreshed(self: &Arc<Self>, pool: &crate::db::Pool) -> Result<(), AppError> {
        let me = self.clone();
        let pool = pool.clone();
        self.cursor
            .refresh(FRESH_FOR, || async move {
                crate::db::run(&pool, move |c| me.catch_up(c))
                    .await
                    .map_err(crate::error::AppError::from)
            })
            .await
    }

    /// Applies the changes the audit log shows since the last call.
    pub fn catch_up(&self, conn: &mut DbConnection) -> Result<(), AppError> {
        self.cursor.follow(conn, |c, all: Changes| {
            let changes = crate::catalog::changes::of(&all);
            if changes.rebuild {
                return self.build(c).map(|_| ());
            }
            for source in &self.sources {
                if all.touches(source.follows()) {
                    for (graph, triples) in source.changed(c, &self.iris, &all)? {
                        self.replace_graph(&graph, triples)?;
                    }
                }
            }
            if changes.catalog {
                self.redo_catalog_graph(c)?;
                self.refresh_publishers(c)?;
            }
            for id in &changes.datasets {
                self.redo_dataset(c, id)?;
            }
            Ok(())
        })
    }

    /// Builds the whole projection from the database into a new store and
    /// swaps it in.
    pub fn rebuild(&self, conn: &mut DbConnection) -> Result<RebuildReport, AppError> {
        self.cursor.rebuild(conn, |c| self.build(c))
    }

    /// A change landing during the build is applied again by the next
    /// catch-up (the cursor read the head first), which is harmless.
    fn build(&self, conn: &mut DbConnection) -> Result<RebuildReport, AppError> {
        let started = Instant::now();
        let mut builder = Builder::new();
        if let Some(t) = self.catalog_graph(conn)? {
            let graph = NamedNode::new(self.iris.catalog()).map_err(internal)?;
            for t in t.0 {
                builder.add(t.as_ref().in_graph(graph.as_ref()));
            }
        }
        let publishers = publisher_map(conn)?;
        let shared: HashMap<&str, Arc<crate::catalog::model::Publisher>> = publishers
            .iter()
            .map(|(id, p)| (id.as_str(), Arc::new(p.clone())))
            .collect();
        let sources = source_map(conn)?;
        let mut facts = HashMap::new();
        let mut after: Option<String> = None;
        let mut count = 0;
        loop {
            let page = catalog_store::published_page(conn, after.as_deref(), PAGE)?;
            let Some((last, _)) = page.last() else { break };
            after = Some(last.dataset.id.clone());
            count += page.len();
            for (rec, modified) in &page {
                let (Some(p), Some(shared)) = (
                    publishers.get(&rec.dataset.publisher_id),
                    shared.get(rec.dataset.publisher_id.as_str()),
                ) else {
                    continue;
                };
                facts.insert(
                    rec.dataset.slug.clone().into_boxed_str(),
                    Arc::new(facts_of(rec, *modified, shared.clone(), &sources)),
                );
                for t in graph::dataset(&self.iris, rec, p, modified).0 {
                    builder.add(t.as_ref().in_graph(GraphNameRef::DefaultGraph));
                }
            }
        }
        for source in &self.sources {
            for (graph, t) in source.all(conn, &self.iris)? {
                let graph = NamedNode::new(graph).map_err(internal)?;
                for t in t.0 {
                    builder.add(t.as_ref().in_graph(graph.as_ref()));
                }
            }
        }
        let built = builder.finish();
        let triples = built.snapshot().len();
        self.store.replace_with(&built);
        *self.facts.write().unwrap_or_else(|p| p.into_inner()) = facts;
        Ok(RebuildReport {
            datasets: count,
            triples,
            millis: started.elapsed().as_millis(),
        })
    }

    /// A renamed publisher reaches the pages' facts too.
    fn refresh_publishers(&self, conn: &mut DbConnection) -> Result<(), AppError> {
        let publishers: HashMap<String, Arc<crate::catalog::model::Publisher>> =
            publisher_map(conn)?
                .into_iter()
                .map(|(id, p)| (id, Arc::new(p)))
                .collect();
        let mut all = self.facts.write().unwrap_or_else(|p| p.into_inner());
        for facts in all.values_mut() {
            if let Some(p) = publishers.get(&facts.publisher.id)
                && **p != *facts.publisher
            {
                *facts = Arc::new(Facts {
                    publisher: p.clone(),
                    ..(**facts).clone()
                });
            }
        }
        Ok(())
    }

    /// The catalog graph's triples; `None` before the catalog is seeded.
    fn catalog_graph(&self, conn: &mut DbConnection) -> Result<Option<Triples>, AppError> {
        let Some(record) = catalog_store::catalog(conn)? else {
            return Ok(None);
        };
        let publishers = catalog_store::list_publishers(conn)?;
        let concepts = catalog_store::concepts(conn, None)?;
        Ok(Some(graph::catalog(
            &self.iris,
            &record,
            &publishers,
            &concepts,
        )))
    }

    fn redo_catalog_graph(&self, conn: &mut DbConnection) -> Result<(), AppError> {
        let Some(t) = self.catalog_graph(conn)? else {
            return Ok(());
        };
        self.replace_graph(&self.iris.catalog(), t)
    }

    /// Swaps a named graph's content in one transaction, so a reader sees
    /// the old graph or the new one, never neither.
    fn replace_graph(&self, graph: &str, t: Triples) -> Result<(), AppError> {
        let name = NamedNode::new(graph).map_err(internal)?;
        self.store.transaction(|tx| {
            tx.clear_graph(name.clone());
            for t in t.0 {
                tx.insert(t.in_graph(GraphName::NamedNode(name.clone())));
            }
        });
        Ok(())
    }

    fn redo_dataset(&self, conn: &mut DbConnection, id: &str) -> Result<(), AppError> {
        let Some((rec, modified)) = catalog_store::record_by_id(conn, id)? else {
            return Ok(());
        };
        let iri = NamedNode::new(self.iris.dataset(&rec.dataset.slug)).map_err(internal)?;
        let (new, facts) = if rec.dataset.status == crate::catalog::model::DatasetStatus::Published
        {
            let publisher = catalog_store::publisher_by_id(conn, &rec.dataset.publisher_id)?;
            let triples = graph::dataset(&self.iris, &rec, &publisher, &modified);
            let facts = facts_of(&rec, modified, Arc::new(publisher), &source_map(conn)?);
            (triples, Some(Arc::new(facts)))
        } else {
            (Triples::default(), None)
        };
        // One transaction: a reader sees the old dataset or the new one.
        let catalog = NamedNode::new(self.iris.catalog()).map_err(internal)?;
        self.store.transaction(|tx| {
            let before = tx.snapshot().clone();
            let mut old: Vec<Quad> = owned(&before, iri.as_ref())
                .into_iter()
                .map(QuadRef::into_owned)
                .collect();
            old.extend(
                before
                    .quads_for_pattern(
                        Some(catalog.as_ref().into()),
                        Some(NamedNodeRef::new_unchecked(HAS_DATASET)),
                        Some(iri.as_ref().into()),
                        Some(GraphNameRef::DefaultGraph),
                    )
                    .map(QuadRef::into_owned),
            );
            for q in old {
                tx.remove(q);
            }
            for t in new.0 {
                tx.insert(t.in_graph(GraphName::DefaultGraph));
            }
        });
        let mut all = self.facts.write().unwrap_or_else(|p| p.into_inner());
        match facts {
            Some(f) => all.insert(rec.dataset.slug.clone().into_boxed_str(), f),
            None => all.remove(rec.dataset.slug.as_str()),
        };
        Ok(())
    }
}

fn publisher_map(
    conn: &mut DbConnection,
) -> QueryResult<HashMap<String, crate::catalog::model::Publisher>> {
    Ok(catalog_store::list_publishers(conn)?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect())
}

/// Harvest sources' locations by id (a handful of rows).
fn source_map(conn: &mut DbConnection) -> QueryResult<HashMap<String, Arc<str>>> {
    use crate::db::schema::harvest_sources;
    Ok(harvest_sources::table
        .select((harvest_sources::id, harvest_sources::location))
        .load::<(String, String)>(conn)?
        .into_iter()
        .map(|(id, location)| (id, Arc::from(location)))
        .collect())
}

fn facts_of(
    rec: &crate::catalog::model::DatasetRecord,
    modified: chrono::NaiveDateTime,
    publisher: Arc<crate::catalog::model::Publisher>,
    sources: &HashMap<String, Arc<str>>,
) -> Facts {
    Facts {
        id: rec.dataset.id.clone().into_boxed_str(),
        is_example: rec.dataset.is_example,
        publisher,
        source: rec
            .dataset
            .harvest_source_id
            .as_ref()
            .and_then(|id| sources.get(id).cloned()),
        distributions: rec
            .distributions
            .iter()
            .map(|d| d.id.clone().into_boxed_str())
            .collect(),
        modified,
    }
}

const HAS_DATASET: &str = "http://www.w3.org/ns/dcat#dataset";

/// The triples a dataset owns: about its IRI and, transitively, about the
/// IRIs under it (`…/distributions/…`, `…#kontaktní-bod`). Shared nodes it
/// points to (publisher, territory, terms of use) are not its own.
pub fn owned<'a>(store: &'a Snapshot, dataset: NamedNodeRef<'_>) -> Vec<QuadRef<'a>> {
    let root = dataset.as_str();
    store.closure(dataset, |iri| {
        iri.strip_prefix(root)
            .is_some_and(|r| r.starts_with('/') || r.starts_with('#'))
    })
}

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("RDF projection: {e}"))
}

/// `radnice reindex`: rebuilds a projection from the database here (which
/// proves it can be built and says how long it takes), then writes an audit
/// row that makes every running server rebuild its own on its next request.
pub fn reindex(
    conn: &mut DbConnection,
    base_url: &str,
    actor: &crate::audit::Actor,
) -> anyhow::Result<RebuildReport> {
    let projection = Projection::new(base_url)?;
    let report = projection
        .rebuild(conn)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let summary = serde_json::json!({
        "datasets": report.datasets,
        "triples": report.triples,
        "millis": report.millis as u64,
    });
    crate::audit::write_tx(conn, |c| {
        crate::audit::record(
            c,
            actor,
            crate::audit::Entry {
                action: "rebuild",
                object_type: REINDEX_TYPE,
                object_id: "catalog",
                object_label: "RDF",
                before: None,
                after: Some(summary),
            },
        )
    })?;
    Ok(report)
}

impl crate::audit::follow::View for Projection {
    fn name(&self) -> &'static str {
        "rdf"
    }

    fn follows(&self) -> &[&'static str] {
        &self.follows
    }

    fn catch_up(&self, conn: &mut DbConnection) -> Result<(), AppError> {
        Projection::catch_up(self, conn)
    }
}

/// The projection as the catalog's pages see it (an `Arc`, so a refresh
/// can run on the blocking pool).
impl crate::catalog::PublishedPages for Arc<Projection> {
    fn refresh<'a>(
        &'a self,
        pool: &'a crate::db::Pool,
    ) -> futures_util::future::LocalBoxFuture<'a, Result<(), AppError>> {
        Box::pin(self.refreshed(pool))
    }

    fn fresh_page(
        &self,
        slug: &str,
        english: bool,
    ) -> Result<Option<crate::catalog::PublishedPage>, AppError> {
        let Some((store, facts)) = Projection::fresh_page(self.as_ref(), slug) else {
            return Ok(None);
        };
        let Some(record) = super::record::read(&store, self.iris(), slug, &facts)? else {
            return Ok(None);
        };
        let labels = super::record::labels(&store, self.iris(), record.vocabulary_iris(), english);
        Ok(Some(crate::catalog::PublishedPage {
            record,
            publisher: facts.publisher.clone(),
            source: facts.source.as_deref().map(str::to_string),
            labels,
            modified: Some(facts.modified),
        }))
    }

    fn keep_fresh(&self, conn: &mut DbConnection) -> Result<(), AppError> {
        self.catch_up(conn)
    }

    fn source_location(
        &self,
        conn: &mut DbConnection,
        id: &str,
    ) -> Result<Option<String>, AppError> {
        Ok(super::harvest::source_by_id(conn, id)?.map(|s| s.location))
    }
}
