//! The strategies in the RDF projection, queryable at `/sparql` beside the
//! catalog. Each strategy is a SKOS concept scheme in its own named graph
//! (`{base}/strategies/{slug}`): its goals are top concepts, their measures
//! narrower concepts, and its projects `foaf:Project`s that name the
//! measures they fulfil. Each KPI is an RDF Data Cube data set in a graph
//! of its own (`{base}/kpis/{code}`), one observation per public value
//! (verified, not superseded), so a new value redoes one small graph.
//!
//! Periods are the reference.data.gov.uk intervals (`/id/month/2024-01`,
//! `/id/quarter/2024-Q1`, `/id/year/2024`), which Data Cube publishers
//! use for `sdmx-dimension:refPeriod`.

use chrono::NaiveDate;

use super::store::{self, KpiForRdf, StrategyForRdf};
use crate::audit::follow::Changes;
use crate::db::DbConnection;
use crate::dcat::graph::{Iris, Triples};
use crate::dcat::ns::{DCT, FOAF, QB, SDMX_ATTRIBUTE, SDMX_DIMENSION, SDMX_MEASURE, SKOS};
use crate::dcat::projection::GraphSource;
use crate::error::AppError;

const STRATEGY_TYPES: [&str; 4] = ["strategy", "goal", "measure", "project"];
const KPI_TYPES: [&str; 2] = ["kpi", "measurement"];
const FOLLOWED: [&str; 6] = [
    "strategy",
    "goal",
    "measure",
    "project",
    "kpi",
    "measurement",
];
const INTERVALS: &str = "http://reference.data.gov.uk/id/";

pub struct StrategyGraphs;

/// The IRIs of the strategy's objects: their public pages' URLs.
pub struct StrategyIris<'a>(pub &'a Iris);

impl StrategyIris<'_> {
    pub fn strategy(&self, slug: &str) -> String {
        format!("{}/strategies/{slug}", self.0.base())
    }

    pub fn goal(&self, slug: &str, chapter: &str) -> String {
        format!("{}/strategies/{slug}/goals/{chapter}", self.0.base())
    }

    pub fn measure(&self, slug: &str, chapter: &str, position: i32) -> String {
        format!("{}#measure-{position}", self.goal(slug, chapter))
    }

    pub fn project(&self, code: &str) -> String {
        format!("{}/projects/{code}", self.0.base())
    }

    pub fn kpi(&self, code: &str) -> String {
        format!("{}/kpis/{code}", self.0.base())
    }
}

fn db(e: diesel::result::Error) -> AppError {
    AppError::from(e)
}

impl GraphSource for StrategyGraphs {
    fn follows(&self) -> &'static [&'static str] {
        &FOLLOWED
    }

    fn all(
        &self,
        conn: &mut DbConnection,
        iris: &Iris,
    ) -> Result<Vec<(String, Triples)>, AppError> {
        let mut out = strategy_graphs(conn, iris)?;
        for (id, _) in store::kpi_ids(conn).map_err(db)? {
            out.extend(kpi_graph(conn, iris, &id)?);
        }
        Ok(out)
    }

    fn changed(
        &self,
        conn: &mut DbConnection,
        iris: &Iris,
        changes: &Changes,
    ) -> Result<Vec<(String, Triples)>, AppError> {
        let mut out = Vec::new();
        if changes.touches(&STRATEGY_TYPES) {
            // A handful of strategies of a few hundred objects each.
            out = strategy_graphs(conn, iris)?;
        }
        if changes.touches(&KPI_TYPES) {
            let mut kpis: Vec<String> = changes.ids_of("kpi").into_iter().collect();
            let values: Vec<String> = changes.ids_of("measurement").into_iter().collect();
            kpis.extend(
                store::kpis_of_verified(conn, &values)
                    .map_err(db)?
                    .into_iter()
                    .map(|(id, _)| id),
            );
            kpis.sort();
            kpis.dedup();
            for id in kpis {
                out.extend(kpi_graph(conn, iris, &id)?);
            }
        }
        Ok(out)
    }
}

fn strategy_graphs(
    conn: &mut DbConnection,
    iris: &Iris,
) -> Result<Vec<(String, Triples)>, AppError> {
    let mut out = Vec::new();
    for s in store::list(conn).map_err(db)? {
        if let Some(data) = store::strategy_for_rdf(conn, &s.slug).map_err(db)? {
            let publisher = match &s.publisher_id {
                Some(id) => Some(crate::catalog::store::publisher_by_id(conn, id).map_err(db)?),
                None => None,
            };
            let graph = StrategyIris(iris).strategy(&s.slug);
            out.push((graph, strategy_triples(iris, &data, publisher.as_ref())));
        }
    }
    Ok(out)
}

fn kpi_graph(
    conn: &mut DbConnection,
    iris: &Iris,
    kpi_id: &str,
) -> Result<Option<(String, Triples)>, AppError> {
    let Some(k) = store::kpi_for_rdf(conn, kpi_id).map_err(db)? else {
        return Ok(None);
    };
    Ok(Some((
        StrategyIris(iris).kpi(&k.kpi.code),
        kpi_triples(iris, &k),
    )))
}

pub fn strategy_triples(
    iris: &Iris,
    data: &StrategyForRdf,
    publisher: Option<&crate::catalog::model::Publisher>,
) -> Triples {
    let at = StrategyIris(iris);
    let mut t = Triples::default();
    let s = &data.detail.strategy;
    let scheme = at.strategy(&s.slug);
    t.a(&scheme, SKOS, "ConceptScheme");
    t.both(&scheme, (DCT, "title"), &s.title_cs, s.title_en.as_deref());
    t.both(
        &scheme,
        (SKOS, "prefLabel"),
        &s.title_cs,
        s.title_en.as_deref(),
    );
    t.text(&scheme, (DCT, "description"), &s.description_cs, "cs");
    t.plain(&scheme, (DCT, "identifier"), &s.slug);
    if let Some(p) = publisher {
        t.iri(&scheme, (DCT, "publisher"), &iris.publisher(p));
    }
    for g in &data.detail.goals {
        let goal = at.goal(&s.slug, &g.goal.chapter);
        t.a(&goal, SKOS, "Concept");
        t.iri(&goal, (SKOS, "inScheme"), &scheme);
        t.iri(&goal, (SKOS, "topConceptOf"), &scheme);
        t.iri(&scheme, (SKOS, "hasTopConcept"), &goal);
        t.both(
            &goal,
            (SKOS, "prefLabel"),
            &g.goal.title_cs,
            g.goal.title_en.as_deref(),
        );
        t.plain(&goal, (SKOS, "notation"), &g.goal.chapter);
        if let Some(code) = &g.goal.sc_code {
            t.plain(&goal, (SKOS, "notation"), code);
        }
        t.text(&goal, (SKOS, "definition"), &g.goal.description_cs, "cs");
        for m in &g.measures {
            let measure = at.measure(&s.slug, &g.goal.chapter, m.position);
            t.a(&measure, SKOS, "Concept");
            t.iri(&measure, (SKOS, "inScheme"), &scheme);
            t.iri(&measure, (SKOS, "broader"), &goal);
            t.iri(&goal, (SKOS, "narrower"), &measure);
            t.both(
                &measure,
                (SKOS, "prefLabel"),
                &m.text_cs,
                m.text_en.as_deref(),
            );
            t.plain(
                &measure,
                (SKOS, "notation"),
                &format!("{}/{}", g.goal.chapter, m.position),
            );
        }
    }
    for (p, measures) in &data.projects {
        let project = at.project(&p.code);
        t.a(&project, FOAF, "Project");
        t.plain(&project, (DCT, "identifier"), &p.code);
        t.both(&project, (DCT, "title"), &p.title_cs, p.title_en.as_deref());
        t.text(&project, (DCT, "description"), &p.description_cs, "cs");
        t.iri(&project, (DCT, "isPartOf"), &scheme);
        for (chapter, n) in measures {
            t.iri(
                &project,
                (DCT, "subject"),
                &at.measure(&s.slug, chapter, *n),
            );
        }
    }
    t
}

pub fn kpi_triples(iris: &Iris, k: &KpiForRdf) -> Triples {
    let at = StrategyIris(iris);
    let mut t = Triples::default();
    let set = at.kpi(&k.kpi.code);
    let structure = format!("{set}#structure");
    t.a(&set, QB, "DataSet");
    t.plain(&set, (DCT, "identifier"), &k.kpi.code);
    t.both(
        &set,
        (DCT, "title"),
        &k.kpi.name_cs,
        k.kpi.name_en.as_deref(),
    );
    t.text(&set, (DCT, "description"), &k.kpi.method_note_cs, "cs");
    t.iri(&set, (QB, "structure"), &structure);
    if let Some((slug, chapter)) = &k.goal {
        t.iri(&set, (DCT, "subject"), &at.goal(slug, chapter));
    }
    if let Some(code) = &k.project {
        t.iri(&set, (DCT, "subject"), &at.project(code));
    }
    // The unit is the same for every value: attached to the data set.
    t.plain(&set, (SDMX_ATTRIBUTE, "unitMeasure"), &k.kpi.unit);

    t.a(&structure, QB, "DataStructureDefinition");
    for (i, (kind, prop)) in [
        ("dimension", format!("{SDMX_DIMENSION}refPeriod")),
        ("measure", format!("{SDMX_MEASURE}obsValue")),
        ("attribute", format!("{SDMX_ATTRIBUTE}unitMeasure")),
    ]
    .into_iter()
    .enumerate()
    {
        let component = format!("{set}#component-{}", i + 1);
        t.iri(&structure, (QB, "component"), &component);
        t.a(&component, QB, "ComponentSpecification");
        t.iri(&component, (QB, kind), &prop);
        t.typed(&component, (QB, "order"), &(i + 1).to_string(), "integer");
        if kind == "attribute" {
            t.iri(
                &component,
                (QB, "componentAttachment"),
                &format!("{QB}DataSet"),
            );
        }
    }

    for m in &k.values {
        let obs = format!("{set}/observations/{}", m.period_start);
        t.a(&obs, QB, "Observation");
        t.iri(&obs, (QB, "dataSet"), &set);
        t.iri(
            &obs,
            (SDMX_DIMENSION, "refPeriod"),
            &interval(&m.period_start, &m.period_end),
        );
        t.typed(
            &obs,
            (SDMX_MEASURE, "obsValue"),
            &decimal(m.value),
            "decimal",
        );
        t.typed(
            &obs,
            (DCT, "issued"),
            &m.recorded_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            "dateTime",
        );
        t.plain(&obs, (DCT, "source"), &m.source);
    }
    t
}

/// The reference.data.gov.uk interval of a period.
pub fn interval(start: &str, end: &str) -> String {
    let label = super::kpi::label_of_period(start, end);
    let Ok(s) = start.parse::<NaiveDate>() else {
        return format!("{INTERVALS}gregorian-interval/{start}");
    };
    if label.len() == 4 {
        format!("{INTERVALS}year/{label}")
    } else if label.contains('Q') {
        format!("{INTERVALS}quarter/{label}")
    } else if label.len() == 7 {
        format!("{INTERVALS}month/{label}")
    } else {
        let days = end
            .parse::<NaiveDate>()
            .map(|e| (e - s).num_days() + 1)
            .unwrap_or(1);
        format!("{INTERVALS}gregorian-interval/{start}T00:00:00/P{days}D")
    }
}

/// An `xsd:decimal` lexical form (no exponent, which decimals may not have).
fn decimal(v: f64) -> String {
    let s = format!("{v}");
    if s.contains('e') || s.contains("inf") || s.contains("NaN") {
        format!("{v:.6}")
    } else if s.contains('.') {
        s
    } else {
        format!("{s}.0")
    }
}

#[cfg(test)]
mod tests {
    use super::interval;

    #[test]
    fn periods_are_the_intervals_data_cube_publishers_use() {
        assert_eq!(
            interval("2024-01-01", "2024-01-31"),
            "http://reference.data.gov.uk/id/month/2024-01"
        );
        assert_eq!(
            interval("2024-04-01", "2024-06-30"),
            "http://reference.data.gov.uk/id/quarter/2024-Q2"
        );
        assert_eq!(
            interval("2023-01-01", "2023-12-31"),
            "http://reference.data.gov.uk/id/year/2023"
        );
        assert_eq!(
            interval("2024-01-15", "2024-02-14"),
            "http://reference.data.gov.uk/id/gregorian-interval/2024-01-15T00:00:00/P31D"
        );
    }
}
