//! The read-only SPARQL 1.1 endpoint over the projection: query only (an
//! update is refused), results in the protocol's formats, every query under a
//! time limit and a result cap so that one heavy query cannot starve others.

use std::sync::mpsc;
use std::time::Duration;

use oxigraph::io::RdfSerializer;
use oxigraph::sparql::results::{QueryResultsFormat, QueryResultsSerializer};
use spareval::{CancellationToken, QueryEvaluationError, QueryEvaluator, QueryResults};

use super::format::Format;
use super::ns::PREFIXES;
use super::store::Snapshot;

/// What kind of answer a query gives, which decides the formats it can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Solutions,
    Boolean,
    Graph,
}

/// The formats an answer can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Results(QueryResultsFormat),
    Rdf(Format),
}

impl Output {
    pub fn content_type(self) -> String {
        match self {
            Output::Results(f) => format!("{}; charset=utf-8", f.media_type()),
            Output::Rdf(f) => f.content_type(),
        }
    }

    /// From a `format=` parameter (short names) or a media type.
    pub fn named(name: &str) -> Option<Output> {
        Some(match name.trim().to_ascii_lowercase().as_str() {
            "json" | "application/sparql-results+json" | "application/json" => {
                Output::Results(QueryResultsFormat::Json)
            }
            "xml" | "application/sparql-results+xml" | "application/xml" | "text/xml" => {
                Output::Results(QueryResultsFormat::Xml)
            }
            "csv" | "text/csv" => Output::Results(QueryResultsFormat::Csv),
            "tsv" | "text/tab-separated-values" => Output::Results(QueryResultsFormat::Tsv),
            "ttl" | "turtle" | "text/turtle" => Output::Rdf(Format::Turtle),
            "jsonld" | "json-ld" | "application/ld+json" => Output::Rdf(Format::JsonLd),
            "nt" | "ntriples" | "n-triples" | "application/n-triples" => {
                Output::Rdf(Format::NTriples)
            }
            "rdf" | "rdfxml" | "application/rdf+xml" => Output::Rdf(Format::RdfXml),
            _ => return None,
        })
    }

    fn fits(self, kind: Kind) -> bool {
        matches!(
            (self, kind),
            (Output::Results(_), Kind::Solutions | Kind::Boolean) | (Output::Rdf(_), Kind::Graph)
        )
    }

    /// The answer's format: the first of the client's wishes that fits the
    /// query, else the protocol's usual one (JSON results, Turtle graphs).
    pub fn choose(wishes: &[String], kind: Kind) -> Output {
        wishes
            .iter()
            .filter_map(|w| Output::named(w))
            .find(|o| o.fits(kind))
            .unwrap_or(match kind {
                Kind::Graph => Output::Rdf(Format::Turtle),
                _ => Output::Results(QueryResultsFormat::Json),
            })
    }
}

#[derive(Debug)]
pub enum SparqlError {
    Syntax(String),
    /// Stopped at the time limit (milliseconds).
    Timeout(u64),
    /// More rows or triples than the cap.
    TooLarge(usize),
    Other(String),
}

/// A parsed query ready to run, with the kind of answer it gives.
pub struct Prepared {
    parsed: spargebra::Query,
    pub kind: Kind,
}

pub fn prepare(text: &str) -> Result<Prepared, SparqlError> {
    let mut parser = spargebra::SparqlParser::new();
    for (prefix, iri) in PREFIXES {
        parser = parser
            .with_prefix(prefix, iri)
            .map_err(|e| SparqlError::Other(e.to_string()))?;
    }
    let parsed = parser
        .parse_query(text)
        .map_err(|e| SparqlError::Syntax(e.to_string()))?;
    let kind = match &parsed {
        spargebra::Query::Select { .. } => Kind::Solutions,
        spargebra::Query::Ask { .. } => Kind::Boolean,
        spargebra::Query::Construct { .. } | spargebra::Query::Describe { .. } => Kind::Graph,
    };
    Ok(Prepared { parsed, kind })
}

/// Runs a prepared query on the store and writes the answer, stopping it at
/// the time limit or when it grows past the cap.
pub fn run(
    store: &Snapshot,
    prepared: Prepared,
    output: Output,
    timeout: Duration,
    max_results: usize,
) -> Result<Vec<u8>, SparqlError> {
    let token = CancellationToken::new();
    let (done, finished) = mpsc::channel::<()>();
    let watchdog = {
        let token = token.clone();
        std::thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = finished.recv_timeout(timeout) {
                token.cancel();
            }
        })
    };
    let result = evaluate(store, prepared, output, token, max_results);
    let _ = done.send(());
    let _ = watchdog.join();
    result.map_err(|e| match e {
        SparqlError::Other(m) if m == CANCELLED => SparqlError::Timeout(timeout.as_millis() as u64),
        other => other,
    })
}

const CANCELLED: &str = "cancelled";

fn eval_error(e: QueryEvaluationError) -> SparqlError {
    match e {
        QueryEvaluationError::Cancelled => SparqlError::Other(CANCELLED.into()),
        other => SparqlError::Other(other.to_string()),
    }
}

fn io_error(e: std::io::Error) -> SparqlError {
    SparqlError::Other(e.to_string())
}

fn evaluate(
    store: &Snapshot,
    prepared: Prepared,
    output: Output,
    token: CancellationToken,
    max_results: usize,
) -> Result<Vec<u8>, SparqlError> {
    let evaluator = QueryEvaluator::new().with_cancellation_token(token);
    let mut query = evaluator.prepare(&prepared.parsed);
    // Without FROM, the default graph is every graph: the catalog's and the
    // datasets' together.
    if query.dataset().is_default_dataset() {
        query.dataset_mut().set_default_graph_as_union();
    }
    let results = query.execute(store.clone()).map_err(eval_error)?;
    let mut out = Vec::new();
    match (results, output) {
        (QueryResults::Solutions(solutions), Output::Results(f)) => {
            let mut w = QueryResultsSerializer::from_format(f)
                .serialize_solutions_to_writer(&mut out, solutions.variables().to_vec())
                .map_err(io_error)?;
            for (n, solution) in solutions.enumerate() {
                if n >= max_results {
                    return Err(SparqlError::TooLarge(max_results));
                }
                w.serialize(&solution.map_err(eval_error)?)
                    .map_err(io_error)?;
            }
            w.finish().map_err(io_error)?;
        }
        (QueryResults::Boolean(b), Output::Results(f)) => {
            QueryResultsSerializer::from_format(f)
                .serialize_boolean_to_writer(&mut out, b)
                .map_err(io_error)?;
        }
        (QueryResults::Graph(triples), Output::Rdf(f)) => {
            let mut serializer = RdfSerializer::from_format(f.rdf_format());
            for (prefix, iri) in PREFIXES {
                serializer = serializer
                    .with_prefix(prefix, iri)
                    .map_err(|e| SparqlError::Other(e.to_string()))?;
            }
            let mut w = serializer.for_writer(&mut out);
            for (n, t) in triples.enumerate() {
                if n >= max_results {
                    return Err(SparqlError::TooLarge(max_results));
                }
                w.serialize_triple(&t.map_err(eval_error)?)
                    .map_err(io_error)?;
            }
            w.finish().map_err(io_error)?;
        }
        _ => {
            return Err(SparqlError::Other(
                "the answer does not fit the format".into(),
            ));
        }
    }
    Ok(out)
}

/// A SELECT answer as rows of strings, for the HTML page.
pub struct Table {
    pub variables: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Runs a query for the HTML page: SELECT as a table, ASK as yes/no,
/// CONSTRUCT/DESCRIBE as Turtle text.
pub fn run_for_page(
    store: &Snapshot,
    prepared: Prepared,
    timeout: Duration,
    max_results: usize,
) -> Result<PageAnswer, SparqlError> {
    match prepared.kind {
        Kind::Graph => {
            let bytes = run(
                store,
                prepared,
                Output::Rdf(Format::Turtle),
                timeout,
                max_results,
            )?;
            Ok(PageAnswer::Graph(
                String::from_utf8_lossy(&bytes).into_owned(),
            ))
        }
        _ => {
            let bytes = run(
                store,
                prepared,
                Output::Results(QueryResultsFormat::Json),
                timeout,
                max_results,
            )?;
            let v: serde_json::Value =
                serde_json::from_slice(&bytes).map_err(|e| SparqlError::Other(e.to_string()))?;
            if let Some(b) = v.get("boolean").and_then(|b| b.as_bool()) {
                return Ok(PageAnswer::Boolean(b));
            }
            let variables: Vec<String> = v["head"]["vars"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            let rows = v["results"]["bindings"]
                .as_array()
                .map(|bindings| {
                    bindings
                        .iter()
                        .map(|b| {
                            variables
                                .iter()
                                .map(|var| b[var]["value"].as_str().unwrap_or("").to_string())
                                .collect()
                        })
                        .collect()
                })
                .unwrap_or_default();
            Ok(PageAnswer::Table(Table { variables, rows }))
        }
    }
}

pub enum PageAnswer {
    Table(Table),
    Boolean(bool),
    Graph(String),
}
