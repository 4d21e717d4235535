//! The read-only SPARQL 1.1 endpoint over the projection: query only (an
//! update is refused), results in the protocol's formats. The endpoint is
//! open to anyone, so every query is bounded (`Limits`, `Runner`): one heavy
//! or hostile query can neither crash the server nor starve other requests.

use std::sync::Arc;
use std::time::Duration;

use oxigraph::io::RdfSerializer;
use oxigraph::sparql::results::{QueryResultsFormat, QueryResultsSerializer};
use spareval::{CancellationToken, Exhausted, QueryEvaluationError, QueryEvaluator, QueryResults};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

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

/// What one query may cost. Every bound keeps one anonymous request from
/// taking the server down: the text is checked before the recursive parser
/// sees it, evaluation runs on a thread with a known stack, and the
/// evaluator's budgets (a patch of spareval, `vendor/spareval`) stop it when
/// it holds or computes too much.
#[derive(Debug, Clone)]
pub struct Limits {
    pub timeout: Duration,
    /// Rows (SELECT) or triples (CONSTRUCT/DESCRIBE) in one answer.
    pub max_results: usize,
    /// Solutions held in memory at once (ORDER BY, GROUP BY, joins, DISTINCT).
    pub max_held: usize,
    /// Length in bytes of one computed string (CONCAT, REPLACE, …).
    pub max_string_len: usize,
    /// Bytes of computed strings kept in solutions, in all.
    pub max_computed_bytes: usize,
    /// Size in bytes of the written answer.
    pub max_output_bytes: usize,
    /// Size in bytes of the query text.
    pub max_query_bytes: usize,
    /// Brackets `( { [` open at once in the query text.
    pub max_nesting: usize,
}

impl Limits {
    pub fn from_config(c: &crate::Config) -> Limits {
        Limits {
            timeout: Duration::from_millis(c.sparql_timeout_ms),
            max_results: c.sparql_max_results,
            max_held: c.sparql_max_held,
            max_string_len: c.sparql_max_string,
            max_computed_bytes: c.sparql_max_computed,
            max_output_bytes: c.sparql_max_output,
            max_query_bytes: MAX_QUERY_BYTES,
            max_nesting: MAX_NESTING,
        }
    }
}

/// Real queries are a few kilobytes; the parser's and the evaluator's
/// recursion is bounded by the text's size, and these two keep it well
/// inside the worker's stack (a test parses and runs the worst shapes).
pub const MAX_QUERY_BYTES: usize = 64 * 1024;
pub const MAX_NESTING: usize = 64;
/// The stack of a query's thread: reserved address space, touched only as
/// deep as the query goes.
const STACK_BYTES: usize = 256 * 1024 * 1024;

#[derive(Debug)]
pub enum SparqlError {
    Syntax(String),
    /// The parser stopped here: where, on what, and what it expected.
    Parse(Located),
    /// Nested deeper than the limit.
    TooDeep(usize),
    /// A query text longer than the limit (bytes).
    TooLong(usize),
    /// More operators than the limit.
    TooComplex(usize),
    /// Longer property paths than the limit (steps).
    PathTooLong(usize),
    /// More triple patterns than the limit.
    TooManyPatterns(usize),
    /// SERVICE: the endpoint never fetches other endpoints.
    Federated,
    /// Stopped at the time limit (milliseconds).
    Timeout(u64),
    /// More rows or triples than the cap.
    TooLarge(usize),
    /// An answer bigger than the cap (bytes).
    OutputTooLarge(usize),
    /// An evaluation budget ran out.
    Budget(Exhausted),
    /// Every query slot is taken.
    Busy,
    Other(String),
}

impl SparqlError {
    /// What the client is told, in its language: `t` gives a message by its
    /// key, with `{n}` (or `{ms}`) for the limit.
    pub fn message(&self, t: impl Fn(&str) -> String) -> String {
        let with = |key: &str, n: usize| t(key).replace("{n}", &n.to_string());
        match self {
            SparqlError::Syntax(m) | SparqlError::Other(m) => m.clone(),
            SparqlError::Parse(at) => at.message(&t),
            SparqlError::TooDeep(n) => with("sparql_too_deep", *n),
            SparqlError::TooLong(n) => with("sparql_too_long", *n),
            SparqlError::TooComplex(n) => with("sparql_too_complex", *n),
            SparqlError::PathTooLong(n) => with("sparql_path_too_long", *n),
            SparqlError::TooManyPatterns(n) => with("sparql_too_many_patterns", *n),
            SparqlError::Federated => t("sparql_federated"),
            SparqlError::Timeout(ms) => t("sparql_timeout").replace("{ms}", &ms.to_string()),
            SparqlError::TooLarge(n) => with("sparql_too_many", *n),
            SparqlError::OutputTooLarge(n) => with("sparql_output", *n),
            SparqlError::Budget(Exhausted::HeldSolutions(n)) => with("sparql_held", *n),
            SparqlError::Budget(Exhausted::StringLength(n)) => with("sparql_string", *n),
            SparqlError::Budget(Exhausted::ComputedBytes(n)) => with("sparql_computed", *n),
            SparqlError::Busy => t("sparql_busy"),
        }
    }

    /// 400 for what the client must change, 503 for what a narrower query
    /// or a later try avoids, 500 for our own faults.
    pub fn is_client_error(&self) -> bool {
        matches!(
            self,
            SparqlError::Syntax(_)
                | SparqlError::Parse(_)
                | SparqlError::TooDeep(_)
                | SparqlError::TooLong(_)
                | SparqlError::TooComplex(_)
                | SparqlError::PathTooLong(_)
                | SparqlError::TooManyPatterns(_)
                | SparqlError::Federated
        )
    }
}

/// Where a query stopped parsing, told as a person reads the query: the
/// line and column, the word found there, what would have fitted, and the
/// line itself with a mark under the place.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    pub line: usize,
    pub column: usize,
    /// The word at the place, or empty at the end of the query.
    pub found: String,
    /// Keywords and symbols that would have fitted (the parser's own
    /// character classes left out).
    pub expected: Vec<String>,
    /// The query's line and a caret under the column.
    pub excerpt: String,
}

impl Located {
    /// Reads the parser's `error at L:C: expected one of A, B` against the
    /// query text; `None` when the message has no place.
    pub fn read(text: &str, message: &str) -> Option<Located> {
        let rest = message.strip_prefix("error at ")?;
        let (place, expected) = rest.split_once(": ")?;
        let (line, column) = place.split_once(':')?;
        let (line, column): (usize, usize) = (line.parse().ok()?, column.parse().ok()?);
        let expected = expected
            .strip_prefix("expected one of ")
            .or_else(|| expected.strip_prefix("expected "))
            .unwrap_or("")
            .split(", ")
            .map(str::trim)
            .filter(|e| !e.is_empty() && !e.starts_with('['))
            .map(|e| e.trim_matches('"').to_string())
            .collect();
        // The parser names the furthest place it got to; a misspelt query
        // form (`SELEKT`) lets it get past the word at fault, so that word
        // is named first.
        if let Some(at) = Located::query_form(text) {
            return Some(at);
        }
        let source: Vec<char> = text
            .lines()
            .nth(line.saturating_sub(1))
            .unwrap_or("")
            .chars()
            .collect();
        let at = column.saturating_sub(1).min(source.len());
        let word = |c: &char| !c.is_whitespace() && !"{}().;,".contains(*c);
        // The word under the place, or the one just before it when the
        // place is a space or the line's end (where a word was cut short).
        let last_line = text.lines().count().max(1) == line;
        if at >= source.len() && last_line {
            return Some(Located {
                line,
                column,
                found: String::new(),
                expected,
                excerpt: format!("{}\n{}^", source.iter().collect::<String>(), " ".repeat(at)),
            });
        }
        let start = if at < source.len() && word(&source[at]) {
            at
        } else {
            at.saturating_sub(1)
        };
        let (mut from, mut to) = (start, start);
        if start < source.len() && word(&source[start]) {
            while from > 0 && word(&source[from - 1]) {
                from -= 1;
            }
            to = start;
            while to < source.len() && word(&source[to]) {
                to += 1;
            }
        }
        let found: String = source.get(from..to).unwrap_or(&[]).iter().collect();
        let excerpt = format!("{}\n{}^", source.iter().collect::<String>(), " ".repeat(at));
        Some(Located {
            line,
            column,
            found,
            expected,
            excerpt,
        })
    }

    /// The first word after the prologue (`PREFIX`, `BASE`) when it is no
    /// query form.
    fn query_form(text: &str) -> Option<Located> {
        const FORMS: [&str; 4] = ["SELECT", "CONSTRUCT", "ASK", "DESCRIBE"];
        let mut skip = 0;
        for (n, line) in text.lines().enumerate() {
            let code = line.split('#').next().unwrap_or("");
            let mut rest = code;
            while let Some(pos) = rest.find(|c: char| !c.is_whitespace()) {
                let word_start = code.len() - rest.len() + pos;
                let word: String = code[word_start..]
                    .chars()
                    .take_while(|c| !c.is_whitespace() && *c != '{' && *c != '*')
                    .collect();
                rest = &code[word_start + word.len().max(1)..];
                if skip > 0 {
                    // `ex:<iri>` written together is both parts at once.
                    skip = if word.contains(':') && word.contains('<') {
                        0
                    } else {
                        skip - 1
                    };
                    continue;
                }
                let upper = word.to_uppercase();
                match upper.as_str() {
                    "PREFIX" => skip = 2,
                    "BASE" => skip = 1,
                    w if FORMS.contains(&w) => return None,
                    _ => {
                        let column = code[..word_start].chars().count() + 1;
                        return Some(Located {
                            line: n + 1,
                            column,
                            found: word,
                            expected: FORMS.iter().map(|f| f.to_string()).collect(),
                            excerpt: format!("{line}\n{}^", " ".repeat(column - 1)),
                        });
                    }
                }
            }
        }
        None
    }

    fn message(&self, t: &impl Fn(&str) -> String) -> String {
        let found = if self.found.is_empty() {
            t("sparql_found_end")
        } else {
            t("sparql_found").replace("{found}", &self.found)
        };
        let mut m = t("sparql_at")
            .replace("{line}", &self.line.to_string())
            .replace("{column}", &self.column.to_string());
        m.push_str(&found);
        if !self.expected.is_empty() {
            m.push_str(&t("sparql_expected").replace("{expected}", &self.expected.join(", ")));
        }
        m.push('\n');
        m.push_str(&self.excerpt);
        m
    }
}

/// A parsed query ready to run, with the kind of answer it gives.
pub struct Prepared {
    parsed: spargebra::Query,
    pub kind: Kind,
}

/// Checks the text's size and nesting before the parser (which recurses per
/// bracket) sees it.
pub fn check_text(text: &str, limits: &Limits) -> Result<(), SparqlError> {
    if text.len() > limits.max_query_bytes {
        return Err(SparqlError::TooLong(limits.max_query_bytes));
    }
    if crate::bounds::bracket_depth(text) > limits.max_nesting {
        return Err(SparqlError::TooDeep(limits.max_nesting));
    }
    Ok(())
}

pub fn prepare(text: &str, limits: &Limits) -> Result<Prepared, SparqlError> {
    check_text(text, limits)?;
    let mut parser = spargebra::SparqlParser::new();
    for (prefix, iri) in PREFIXES {
        parser = parser
            .with_prefix(prefix, iri)
            .map_err(|e| SparqlError::Other(e.to_string()))?;
    }
    let parsed =
        parser
            .parse_query(text)
            .map_err(|e| match Located::read(text, &e.to_string()) {
                Some(at) => SparqlError::Parse(at),
                None => SparqlError::Syntax(e.to_string()),
            })?;
    check_shape(&parsed)?;
    let kind = match &parsed {
        spargebra::Query::Select { .. } => Kind::Solutions,
        spargebra::Query::Ask { .. } => Kind::Boolean,
        spargebra::Query::Construct { .. } | spargebra::Query::Describe { .. } => Kind::Graph,
    };
    Ok(Prepared { parsed, kind })
}

/// Operators (expression, pattern and path nodes) one query may have.
/// The optimiser's and the evaluator's set-up grow faster than linearly
/// with them and cannot be interrupted: measured on an empty store, a chain
/// of 400 additions took 4 ms to prepare and 32,000 (what 64 KiB of text
/// holds) about 25 s; a property path of 400 steps 2.5 s, of 1,000 steps
/// 45 s.
pub const MAX_OPERATORS: usize = 1_000;
/// Steps of property paths in one query (their set-up grows with the cube).
pub const MAX_PATH_STEPS: usize = 128;
/// Triple patterns in one query: the optimiser's join ordering, which no
/// token interrupts, grows with about their fourth power (64 patterns:
/// 0.1 s; 128: 1.8 s; 256: 26 s; 400: 166 s).
pub const MAX_TRIPLE_PATTERNS: usize = 64;

/// Counts what the parsed query holds and refuses it past the limits,
/// before the optimiser sees it.
fn check_shape(query: &spargebra::Query) -> Result<(), SparqlError> {
    use spargebra::Query;
    let pattern = match query {
        Query::Select { pattern, .. }
        | Query::Construct { pattern, .. }
        | Query::Describe { pattern, .. }
        | Query::Ask { pattern, .. } => pattern,
    };
    let mut shape = Shape::default();
    if let Query::Construct { template, .. } = query {
        shape.operators += template.len();
    }
    shape.pattern(pattern);
    if shape.operators > MAX_OPERATORS {
        return Err(SparqlError::TooComplex(MAX_OPERATORS));
    }
    if shape.path_steps > MAX_PATH_STEPS {
        return Err(SparqlError::PathTooLong(MAX_PATH_STEPS));
    }
    if shape.triple_patterns > MAX_TRIPLE_PATTERNS {
        return Err(SparqlError::TooManyPatterns(MAX_TRIPLE_PATTERNS));
    }
    Ok(())
}

#[derive(Default)]
struct Shape {
    operators: usize,
    path_steps: usize,
    triple_patterns: usize,
}

impl Shape {
    /// Past the limits the rest is not walked: the answer is known.
    fn over(&self) -> bool {
        self.operators > MAX_OPERATORS
            || self.path_steps > MAX_PATH_STEPS
            || self.triple_patterns > MAX_TRIPLE_PATTERNS
    }

    fn pattern(&mut self, p: &spargebra::algebra::GraphPattern) {
        use spargebra::algebra::GraphPattern as G;
        if self.over() {
            return;
        }
        self.operators += 1;
        match p {
            G::Bgp { patterns } => {
                self.operators += patterns.len();
                self.triple_patterns += patterns.len();
            }
            G::Path { path, .. } => {
                self.triple_patterns += 1;
                self.path(path)
            }
            G::Join { left, right }
            | G::Lateral { left, right }
            | G::Union { left, right }
            | G::Minus { left, right } => {
                self.pattern(left);
                self.pattern(right);
            }
            G::LeftJoin {
                left,
                right,
                expression,
            } => {
                self.pattern(left);
                self.pattern(right);
                if let Some(e) = expression {
                    self.expression(e);
                }
            }
            G::Filter { expr, inner } => {
                self.expression(expr);
                self.pattern(inner);
            }
            G::Extend {
                inner, expression, ..
            } => {
                self.expression(expression);
                self.pattern(inner);
            }
            G::Values { bindings, .. } => {
                self.operators += bindings.iter().map(Vec::len).sum::<usize>()
            }
            G::OrderBy { inner, expression } => {
                for o in expression {
                    match o {
                        spargebra::algebra::OrderExpression::Asc(e)
                        | spargebra::algebra::OrderExpression::Desc(e) => self.expression(e),
                    }
                }
                self.pattern(inner);
            }
            G::Group {
                inner, aggregates, ..
            } => {
                for (_, a) in aggregates {
                    self.operators += 1;
                    if let spargebra::algebra::AggregateExpression::FunctionCall { expr, .. } = a {
                        self.expression(expr);
                    }
                }
                self.pattern(inner);
            }
            G::Graph { inner, .. }
            | G::Project { inner, .. }
            | G::Distinct { inner }
            | G::Reduced { inner }
            | G::Slice { inner, .. }
            | G::Service { inner, .. } => self.pattern(inner),
        }
    }

    fn expression(&mut self, e: &spargebra::algebra::Expression) {
        use spargebra::algebra::Expression as E;
        if self.over() {
            return;
        }
        self.operators += 1;
        match e {
            E::NamedNode(_) | E::Literal(_) | E::Variable(_) | E::Bound(_) => {}
            E::Or(a, b)
            | E::And(a, b)
            | E::Equal(a, b)
            | E::SameTerm(a, b)
            | E::Greater(a, b)
            | E::GreaterOrEqual(a, b)
            | E::Less(a, b)
            | E::LessOrEqual(a, b)
            | E::Add(a, b)
            | E::Subtract(a, b)
            | E::Multiply(a, b)
            | E::Divide(a, b) => {
                self.expression(a);
                self.expression(b);
            }
            E::UnaryPlus(a) | E::UnaryMinus(a) | E::Not(a) => self.expression(a),
            E::In(a, list) => {
                self.expression(a);
                list.iter().for_each(|x| self.expression(x));
            }
            E::If(a, b, c) => {
                self.expression(a);
                self.expression(b);
                self.expression(c);
            }
            E::Coalesce(list) | E::FunctionCall(_, list) => {
                list.iter().for_each(|x| self.expression(x))
            }
            E::Exists(p) => self.pattern(p),
        }
    }

    fn path(&mut self, p: &spargebra::algebra::PropertyPathExpression) {
        use spargebra::algebra::PropertyPathExpression as P;
        if self.over() {
            return;
        }
        self.operators += 1;
        self.path_steps += 1;
        match p {
            P::NamedNode(_) => {}
            P::NegatedPropertySet(set) => self.path_steps += set.len(),
            P::Reverse(a) | P::ZeroOrMore(a) | P::OneOrMore(a) | P::ZeroOrOne(a) => self.path(a),
            P::Sequence(a, b) | P::Alternative(a, b) => {
                self.path(a);
                self.path(b);
            }
        }
    }
}

/// What a query is answered as: bytes in a protocol format (the first of
/// the client's wishes that fits the query), or the HTML page's answer.
pub enum Wanted {
    Raw(Vec<String>),
    Page,
}

pub enum Answer {
    Raw(Output, Vec<u8>),
    Page(PageAnswer),
}

/// Runs SPARQL queries: at most `slots` at once, each on a thread of its
/// own with a large stack, never holding a database connection (it reads a
/// snapshot of the projection), stopped at the time limit, by a budget, or
/// when the client goes away.
pub struct Runner {
    slots: Arc<Semaphore>,
    /// How long a query waits for a slot before it is told to come back.
    pub queue_wait: Duration,
}

impl Runner {
    pub fn new(slots: usize) -> Runner {
        Runner {
            slots: Arc::new(Semaphore::new(slots.max(1))),
            queue_wait: Duration::from_secs(1),
        }
    }

    /// A slot, waiting briefly for one.
    pub async fn slot(&self) -> Result<OwnedSemaphorePermit, SparqlError> {
        match tokio::time::timeout(self.queue_wait, self.slots.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(SparqlError::Busy),
        }
    }

    /// Parses and answers `text` on `store` within `limits`, holding `slot`
    /// until the evaluation has really stopped.
    pub async fn answer(
        &self,
        slot: OwnedSemaphorePermit,
        store: Snapshot,
        text: String,
        wanted: Wanted,
        limits: Limits,
    ) -> Result<Answer, SparqlError> {
        let token = CancellationToken::with_limits(
            limits.max_held,
            limits.max_string_len,
            limits.max_computed_bytes,
        );
        // Dropped when the answer is sent, or when the client disconnects
        // and actix drops this future: either way the evaluation stops.
        let _stop = StopOnDrop(token.clone());
        let (tx, rx) = tokio::sync::oneshot::channel();
        let worker_token = token.clone();
        let timeout = limits.timeout;
        std::thread::Builder::new()
            .name("sparql".into())
            .stack_size(STACK_BYTES)
            .spawn(move || {
                let _slot = slot;
                let result = evaluate_text(&store, &text, wanted, &limits, worker_token);
                let _ = tx.send(result);
            })
            .map_err(|_| SparqlError::Busy)?;
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(SparqlError::Other("the query's thread ended".into())),
            Err(_) => {
                token.cancel();
                Err(SparqlError::Timeout(timeout.as_millis() as u64))
            }
        }
    }
}

struct StopOnDrop(CancellationToken);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

fn evaluate_text(
    store: &Snapshot,
    text: &str,
    wanted: Wanted,
    limits: &Limits,
    token: CancellationToken,
) -> Result<Answer, SparqlError> {
    let prepared = prepare(text, limits)?;
    let answer = match wanted {
        Wanted::Page => run_for_page(store, prepared, limits, token.clone()).map(Answer::Page),
        Wanted::Raw(wishes) => {
            let output = Output::choose(&wishes, prepared.kind);
            run(store, prepared, output, limits, token.clone()).map(|b| Answer::Raw(output, b))
        }
    };
    // A budget that ran out in an expression leaves the value unbound and
    // cancels the token; the answer must not pretend to be complete.
    match (answer, token.exhausted()) {
        (_, Some(why)) => Err(SparqlError::Budget(why)),
        (Err(SparqlError::Other(m)), None) if m == CANCELLED => {
            Err(SparqlError::Timeout(limits.timeout.as_millis() as u64))
        }
        (answer, None) => answer,
    }
}

/// Runs a prepared query on the store and writes the answer, within the
/// limits; the token stops it from outside (time limit, client gone).
pub fn run(
    store: &Snapshot,
    prepared: Prepared,
    output: Output,
    limits: &Limits,
    token: CancellationToken,
) -> Result<Vec<u8>, SparqlError> {
    let mut out = Capped {
        buf: Vec::new(),
        cap: limits.max_output_bytes,
    };
    evaluate(store, prepared, output, token, limits.max_results, &mut out).map_err(
        |e| match e {
            SparqlError::Other(m) if m == OVER_CAP => {
                SparqlError::OutputTooLarge(limits.max_output_bytes)
            }
            other => other,
        },
    )?;
    Ok(out.buf)
}

const CANCELLED: &str = "cancelled";
const OVER_CAP: &str = "the answer is larger than allowed";

/// The answer's buffer, refusing to grow past its cap.
struct Capped {
    buf: Vec<u8>,
    cap: usize,
}

impl std::io::Write for Capped {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.buf.len() + data.len() > self.cap {
            return Err(std::io::Error::other(OVER_CAP));
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn eval_error(e: QueryEvaluationError) -> SparqlError {
    match e {
        QueryEvaluationError::Cancelled => SparqlError::Other(CANCELLED.into()),
        QueryEvaluationError::UnsupportedService(_)
        | QueryEvaluationError::Service(_)
        | QueryEvaluationError::UnboundService
        | QueryEvaluationError::InvalidServiceName(_) => SparqlError::Federated,
        // The query's own fault, not ours: 400 like a syntax error.
        e @ (QueryEvaluationError::UnsupportedCustomFunction(_)
        | QueryEvaluationError::UnsupportedCustomFunctionArity { .. }) => {
            SparqlError::Syntax(e.to_string())
        }
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
    out: &mut Capped,
) -> Result<(), SparqlError> {
    let evaluator = QueryEvaluator::new().with_cancellation_token(token);
    let mut query = evaluator.prepare(&prepared.parsed);
    // Without FROM, the default graph is every graph: the catalog's and the
    // datasets' together.
    if query.dataset().is_default_dataset() {
        query.dataset_mut().set_default_graph_as_union();
    }
    let results = query.execute(store.clone()).map_err(eval_error)?;
    match (results, output) {
        (QueryResults::Solutions(solutions), Output::Results(f)) => {
            let mut w = QueryResultsSerializer::from_format(f)
                .serialize_solutions_to_writer(&mut *out, solutions.variables().to_vec())
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
                .serialize_boolean_to_writer(&mut *out, b)
                .map_err(io_error)?;
        }
        (QueryResults::Graph(triples), Output::Rdf(f)) => {
            let mut serializer = RdfSerializer::from_format(f.rdf_format());
            for (prefix, iri) in PREFIXES {
                serializer = serializer
                    .with_prefix(prefix, iri)
                    .map_err(|e| SparqlError::Other(e.to_string()))?;
            }
            let mut w = serializer.for_writer(&mut *out);
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
    Ok(())
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
    limits: &Limits,
    token: CancellationToken,
) -> Result<PageAnswer, SparqlError> {
    match prepared.kind {
        Kind::Graph => {
            let bytes = run(store, prepared, Output::Rdf(Format::Turtle), limits, token)?;
            Ok(PageAnswer::Graph(
                String::from_utf8_lossy(&bytes).into_owned(),
            ))
        }
        _ => {
            let bytes = run(
                store,
                prepared,
                Output::Results(QueryResultsFormat::Json),
                limits,
                token,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn located(text: &str) -> Located {
        let limits = Limits {
            timeout: Duration::from_secs(1),
            max_results: 10,
            max_held: 10,
            max_string_len: 10,
            max_computed_bytes: 10,
            max_output_bytes: 10,
            max_query_bytes: MAX_QUERY_BYTES,
            max_nesting: MAX_NESTING,
        };
        match prepare(text, &limits) {
            Err(SparqlError::Parse(at)) => at,
            Err(other) => panic!("{text}: {other:?}"),
            Ok(_) => panic!("{text} parsed"),
        }
    }

    #[test]
    fn a_misspelt_keyword_is_named_with_its_place() {
        let at = located("SELEKT ?s WHERE { ?s ?p ?o }");
        assert_eq!((at.line, at.found.as_str()), (1, "SELEKT"), "{at:?}");
        assert!(at.expected.iter().any(|e| e == "SELECT"), "{at:?}");
        assert!(at.expected.iter().all(|e| !e.starts_with('[')), "{at:?}");
        let t = |k: &str| match k {
            "sparql_at" => "Line {line}, column {column}: ".to_string(),
            "sparql_found" => "found \"{found}\"".to_string(),
            "sparql_expected" => "; expected: {expected}.".to_string(),
            other => other.to_string(),
        };
        let m = SparqlError::Parse(at.clone()).message(t);
        assert!(
            m.starts_with(&format!(
                "Line 1, column {}: found \"SELEKT\"; expected: ",
                at.column
            )),
            "{m}"
        );
        assert!(
            m.ends_with(&format!(
                "SELEKT ?s WHERE {{ ?s ?p ?o }}\n{}^",
                " ".repeat(at.column - 1)
            )),
            "{m}"
        );
    }

    #[test]
    fn the_place_is_on_its_own_line_and_the_end_is_said_as_such() {
        let at = located("SELECT * WHERE {\n  ?s ?p\n}");
        assert_eq!(at.line, 3, "{at:?}");
        assert!(at.excerpt.starts_with("}\n"), "{at:?}");
        let at = located("SELECT * WHERE { ?s ?p ?o");
        assert_eq!(at.found, "", "the end of the query: {at:?}");
        assert!(
            at.expected.iter().any(|e| e == "}"),
            "quotes taken off: {at:?}"
        );
        // A prologue written tightly is still a prologue.
        let at = located("PREFIX ex:<http://example.org/>\nSELECT * WHERE { ?s ex:p }");
        assert_eq!(at.line, 2, "{at:?}");
    }
}
