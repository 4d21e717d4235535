//! The RDF projection's store: each term once, as text, and each triple as
//! three `u32` term ids in two sorted arrays (subject–predicate–object and
//! predicate–object–subject). Oxigraph's SPARQL evaluator (`spareval`) runs
//! on it through `QueryableDataset`; Oxigraph's serializers write what it
//! returns.
//!
//! Why not Oxigraph's own in-memory store: that one keeps every quad as a
//! node of four 40-byte encoded terms, a version range and five links, plus
//! a hash-set entry, about 350 bytes a triple. At 100,000 datasets (4.7
//! million triples) that alone was 1.6 GB; here a triple costs 24 bytes in
//! the arrays and its new terms about 200 bytes of text shared by all the
//! triples that use them. Its RocksDB store is small in memory but made the
//! dump and the per-dataset reads several times slower (see README).
//!
//! The shape it is made for is the projection's: one large default graph
//! (the datasets) that a write changes by a few dozen triples, and small
//! named graphs (the catalog's own), which are kept apart in a plain set.
//!
//! Readers take a `Snapshot` (an `Arc`): a write never blocks them, and they
//! see the store as it was when they took it. A write makes the next
//! snapshot: the large arrays are shared, its changes go to a small delta of
//! added and removed triples, which is merged into new arrays once it grows
//! past `DELTA_MAX` entries. Term ids are never reused; a term no triple uses
//! any more stays until the next rebuild.

use std::collections::BTreeSet;
use std::convert::Infallible;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use hashbrown::HashTable;
use oxigraph::model::{
    BlankNodeRef, GraphNameRef, LiteralRef, NamedNode, NamedNodeRef, NamedOrBlankNodeRef, Quad,
    QuadRef, Term, TermRef, vocab::rdf, vocab::xsd,
};
use spareval::{InternalQuad, QueryableDataset};

type Id = u32;
/// A default-graph triple, in the order of the array it sits in.
type Ids = [Id; 3];
/// A named-graph quad: graph, subject, predicate, object.
type NamedIds = [Id; 4];

/// The graph id of the default graph in what `Snapshot` yields.
const DEFAULT_GRAPH: Id = Id::MAX;
/// Terms per text chunk: a write copies at most the last chunk.
const CHUNK: usize = 4096;
/// Delta entries (added plus removed) past which a write merges the delta
/// into new arrays. A write copies the delta, so it stays small; merging
/// 4.7 million triples takes tens of milliseconds.
const DELTA_MAX: usize = 8192;

#[derive(Clone, Default)]
struct Chunk {
    text: String,
    ends: Vec<u32>,
}

/// The terms' text, append-only. A term's text is a tag and its content:
/// `I`iri, `B`blank node id, `S`string, `L`language tag, space, value, or
/// `T`datatype's term id, space, value.
#[derive(Clone, Default)]
struct Terms {
    chunks: Vec<Arc<Chunk>>,
    len: Id,
}

impl Terms {
    fn text(&self, id: Id) -> &str {
        let chunk = &self.chunks[id as usize / CHUNK];
        let i = id as usize % CHUNK;
        let start = if i == 0 {
            0
        } else {
            chunk.ends[i - 1] as usize
        };
        &chunk.text[start..chunk.ends[i] as usize]
    }

    fn push(&mut self, text: &str) -> Id {
        let id = self.len;
        if (id as usize).is_multiple_of(CHUNK) {
            self.chunks.push(Arc::new(Chunk::default()));
        }
        if let Some(last) = self.chunks.last_mut() {
            let chunk = Arc::make_mut(last);
            chunk.text.push_str(text);
            chunk.ends.push(chunk.text.len() as u32);
        }
        self.len += 1;
        id
    }
}

fn hash(text: &str) -> u64 {
    rustc_hash::FxBuildHasher.hash_one(text)
}

/// Added or removed default-graph triples, in both orders.
#[derive(Clone, Default)]
struct Delta {
    spo: BTreeSet<Ids>,
    pos: BTreeSet<Ids>,
}

impl Delta {
    fn insert(&mut self, spo: Ids) -> bool {
        self.spo.insert(spo) && self.pos.insert(pos_of(spo))
    }

    fn remove(&mut self, spo: Ids) -> bool {
        self.spo.remove(&spo) && self.pos.remove(&pos_of(spo))
    }

    fn len(&self) -> usize {
        self.spo.len()
    }
}

fn pos_of([s, p, o]: Ids) -> Ids {
    [p, o, s]
}

fn spo_of([p, o, s]: Ids) -> Ids {
    [s, p, o]
}

#[derive(Clone, Default)]
struct Inner {
    terms: Terms,
    /// Text to id, shared by every snapshot of one store: a snapshot skips
    /// ids past its own `terms.len`, which a later write added.
    index: Arc<RwLock<HashTable<Id>>>,
    spo: Arc<Vec<Ids>>,
    /// Where each subject's triples start in `spo` (`first[s]..first[s+1]`),
    /// so the common question, everything about one IRI, is two reads
    /// rather than two binary searches over millions of triples.
    first: Arc<Vec<u32>>,
    pos: Arc<Vec<Ids>>,
    added: Delta,
    removed: Delta,
    named: BTreeSet<NamedIds>,
}

/// A term's stored text, or `None` when it is a literal whose datatype the
/// store has never seen (then the literal is not stored either).
fn encode(
    term: TermRef<'_>,
    datatype: impl FnOnce(NamedNodeRef<'_>) -> Option<Id>,
) -> Option<String> {
    Some(match term {
        TermRef::NamedNode(n) => format!("I{}", n.as_str()),
        TermRef::BlankNode(b) => format!("B{}", b.as_str()),
        TermRef::Literal(l) => match l.language() {
            Some(lang) => format!("L{lang} {}", l.value()),
            None if l.datatype() == xsd::STRING => format!("S{}", l.value()),
            None => format!("T{} {}", datatype(l.datatype())?, l.value()),
        },
    })
}

impl Inner {
    fn term(&self, id: Id) -> TermRef<'_> {
        let text = self.terms.text(id);
        let (tag, rest) = text.split_at(1);
        match tag {
            "I" => NamedNodeRef::new_unchecked(rest).into(),
            "B" => BlankNodeRef::new_unchecked(rest).into(),
            "S" => LiteralRef::new_simple_literal(rest).into(),
            "L" => {
                let (lang, value) = rest.split_once(' ').unwrap_or((rest, ""));
                LiteralRef::new_language_tagged_literal_unchecked(value, lang).into()
            }
            _ => {
                let (datatype, value) = rest.split_once(' ').unwrap_or((rest, ""));
                let datatype = datatype
                    .parse::<Id>()
                    .map(|d| &self.terms.text(d)[1..])
                    .unwrap_or(rdf::LANG_STRING.as_str());
                LiteralRef::new_typed_literal(value, NamedNodeRef::new_unchecked(datatype)).into()
            }
        }
    }

    /// Only IRIs and blank nodes are stored as subjects and graph names.
    fn node(&self, id: Id) -> NamedOrBlankNodeRef<'_> {
        match self.term(id) {
            TermRef::BlankNode(b) => b.into(),
            TermRef::NamedNode(n) => n.into(),
            TermRef::Literal(l) => NamedNodeRef::new_unchecked(l.value()).into(),
        }
    }

    /// Only IRIs are stored as predicates.
    fn iri(&self, id: Id) -> NamedNodeRef<'_> {
        match self.term(id) {
            TermRef::NamedNode(n) => n,
            TermRef::BlankNode(b) => NamedNodeRef::new_unchecked(b.as_str()),
            TermRef::Literal(l) => NamedNodeRef::new_unchecked(l.value()),
        }
    }

    fn quad(&self, [g, s, p, o]: NamedIds) -> QuadRef<'_> {
        let graph = if g == DEFAULT_GRAPH {
            GraphNameRef::DefaultGraph
        } else {
            match self.node(g) {
                NamedOrBlankNodeRef::NamedNode(n) => GraphNameRef::NamedNode(n),
                NamedOrBlankNodeRef::BlankNode(b) => GraphNameRef::BlankNode(b),
            }
        };
        QuadRef::new(self.node(s), self.iri(p), self.term(o), graph)
    }

    fn find_text(&self, text: &str) -> Option<Id> {
        let index = self.index.read().unwrap_or_else(PoisonError::into_inner);
        index
            .find(hash(text), |&id| {
                id < self.terms.len && self.terms.text(id) == text
            })
            .copied()
    }

    fn find(&self, term: TermRef<'_>) -> Option<Id> {
        let text = encode(term, |d| self.find(d.into()))?;
        self.find_text(&text)
    }

    fn intern(&mut self, term: TermRef<'_>) -> Id {
        let text = match term {
            TermRef::Literal(l) if l.language().is_none() && l.datatype() != xsd::STRING => {
                let datatype = self.intern(l.datatype().into());
                format!("T{datatype} {}", l.value())
            }
            _ => encode(term, |_| None).unwrap_or_default(),
        };
        if let Some(id) = self.find_text(&text) {
            return id;
        }
        let id = self.terms.push(&text);
        let terms = &self.terms;
        self.index
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert_unique(hash(&text), id, |&i| hash(terms.text(i)));
        id
    }

    fn graph_id(&mut self, graph: GraphNameRef<'_>) -> Id {
        match graph {
            GraphNameRef::DefaultGraph => DEFAULT_GRAPH,
            GraphNameRef::NamedNode(n) => self.intern(n.into()),
            GraphNameRef::BlankNode(b) => self.intern(b.into()),
        }
    }

    fn find_graph(&self, graph: GraphNameRef<'_>) -> Option<Id> {
        match graph {
            GraphNameRef::DefaultGraph => Some(DEFAULT_GRAPH),
            GraphNameRef::NamedNode(n) => self.find(n.into()),
            GraphNameRef::BlankNode(b) => self.find(b.into()),
        }
    }

    fn find_quad(&self, q: QuadRef<'_>) -> Option<NamedIds> {
        Some([
            self.find_graph(q.graph_name)?,
            self.find(q.subject.into())?,
            self.find(q.predicate.into())?,
            self.find(q.object)?,
        ])
    }

    fn in_base(&self, spo: Ids) -> bool {
        self.spo.binary_search(&spo).is_ok()
    }

    fn insert(&mut self, [g, s, p, o]: NamedIds) {
        if g != DEFAULT_GRAPH {
            self.named.insert([g, s, p, o]);
        } else if !self.removed.remove([s, p, o]) && !self.in_base([s, p, o]) {
            self.added.insert([s, p, o]);
        }
    }

    fn remove(&mut self, [g, s, p, o]: NamedIds) {
        if g != DEFAULT_GRAPH {
            self.named.remove(&[g, s, p, o]);
        } else if !self.added.remove([s, p, o]) && self.in_base([s, p, o]) {
            self.removed.insert([s, p, o]);
        }
    }

    fn compact(&mut self) {
        self.spo = Arc::new(merge(&self.spo, &self.added.spo, &self.removed.spo));
        self.first = Arc::new(firsts(&self.spo));
        self.pos = Arc::new(merge(&self.pos, &self.added.pos, &self.removed.pos));
        self.added = Delta::default();
        self.removed = Delta::default();
    }

    fn len(&self) -> usize {
        self.spo.len() + self.added.len() - self.removed.len() + self.named.len()
    }
}

/// The start of each subject's run in a sorted SPO array, by subject id.
fn firsts(spo: &[Ids]) -> Vec<u32> {
    let subjects = spo.last().map_or(0, |t| t[0] as usize + 1);
    let mut first = Vec::with_capacity(subjects + 1);
    let mut at = 0;
    for s in 0..=subjects {
        while at < spo.len() && (spo[at][0] as usize) < s {
            at += 1;
        }
        first.push(at as u32);
    }
    first
}

/// The `spo` range of one subject's triples.
fn subject_range(first: &[u32], s: Id) -> (usize, usize) {
    match (first.get(s as usize), first.get(s as usize + 1)) {
        (Some(&a), Some(&b)) => (a as usize, b as usize),
        _ => (0, 0),
    }
}

/// The named-graph quads matching a pattern: a range per graph (there are
/// few), on as much of graph, subject, predicate, object as is bound.
fn named_matches(named: &BTreeSet<NamedIds>, pattern: Pattern, out: &mut Vec<NamedIds>) {
    let mut graphs = Vec::new();
    match pattern.g {
        Some(g) => graphs.push(g),
        None => {
            let mut from = 0;
            while let Some(q) = named.range([from, 0, 0, 0]..).next() {
                graphs.push(q[0]);
                if q[0] == Id::MAX {
                    break;
                }
                from = q[0] + 1;
            }
        }
    }
    for g in graphs {
        let mut low = [g, 0, 0, 0];
        let mut high = [g, Id::MAX, Id::MAX, Id::MAX];
        for (i, bound) in [pattern.s, pattern.p, pattern.o].into_iter().enumerate() {
            let Some(x) = bound else { break };
            low[i + 1] = x;
            high[i + 1] = x;
        }
        for &[g, s, p, o] in named.range(low..=high) {
            if pattern.admits([s, p, o]) {
                out.push([g, s, p, o]);
            }
        }
    }
}

/// `base` without `removed` (a subset of it) and with `added` (disjoint from
/// it), sorted.
fn merge(base: &[Ids], added: &BTreeSet<Ids>, removed: &BTreeSet<Ids>) -> Vec<Ids> {
    let mut out = Vec::with_capacity(base.len() + added.len() - removed.len());
    let mut added = added.iter().peekable();
    let mut removed = removed.iter().peekable();
    for t in base {
        while let Some(a) = added.next_if(|a| *a < t) {
            out.push(*a);
        }
        if removed.next_if(|r| *r == t).is_none() {
            out.push(*t);
        }
    }
    out.extend(added.copied());
    out
}

/// What a query asks for, in ids; `g`: `None` any graph, `Some(DEFAULT_GRAPH)`
/// the default graph.
#[derive(Clone, Copy)]
struct Pattern {
    s: Option<Id>,
    p: Option<Id>,
    o: Option<Id>,
    g: Option<Id>,
}

impl Pattern {
    fn admits(&self, [s, p, o]: Ids) -> bool {
        self.s.is_none_or(|x| x == s)
            && self.p.is_none_or(|x| x == p)
            && self.o.is_none_or(|x| x == o)
    }
}

/// The index range of the triples starting with `prefix` in a sorted array.
fn range(array: &[Ids], prefix: &[Id]) -> (usize, usize) {
    let k = prefix.len();
    let start = array.partition_point(|t| &t[..k] < prefix);
    let end = start + array[start..].partition_point(|t| &t[..k] <= prefix);
    (start, end)
}

fn delta_range<'a>(set: &'a BTreeSet<Ids>, prefix: &[Id]) -> impl Iterator<Item = &'a Ids> {
    let mut low = [0; 3];
    let mut high = [Id::MAX; 3];
    low[..prefix.len()].copy_from_slice(prefix);
    high[..prefix.len()].copy_from_slice(prefix);
    set.range(low..=high)
}

/// The matches of a pattern in one snapshot, as quads of ids (graph first).
/// It owns its snapshot, so SPARQL evaluation can hold it as long as it
/// needs.
struct Matches {
    inner: Arc<Inner>,
    /// Whether the ranges are in the POS array (else SPO).
    by_predicate: bool,
    ranges: Vec<(usize, usize)>,
    at: usize,
    pattern: Pattern,
    rest: std::vec::IntoIter<NamedIds>,
}

impl Matches {
    fn new(inner: Arc<Inner>, pattern: Pattern) -> Matches {
        let mut rest = Vec::new();
        let mut ranges = Vec::new();
        let mut by_predicate = false;
        if pattern.g.is_none_or(|g| g == DEFAULT_GRAPH) {
            // The base part: one range of one array, or for an object alone,
            // a range in each predicate's run of POS.
            let prefix: Vec<Id> = match pattern {
                Pattern {
                    s: Some(s), p, o, ..
                } => {
                    let prefix = match (p, o) {
                        (Some(p), Some(o)) => vec![s, p, o],
                        (Some(p), None) => vec![s, p],
                        _ => vec![s],
                    };
                    let (a, b) = subject_range(&inner.first, s);
                    let (c, d) = range(&inner.spo[a..b], &prefix);
                    ranges.push((a + c, a + d));
                    prefix
                }
                Pattern { p: Some(p), o, .. } => {
                    by_predicate = true;
                    let prefix = o.map_or(vec![p], |o| vec![p, o]);
                    ranges.push(range(&inner.pos, &prefix));
                    prefix
                }
                Pattern { o: Some(o), .. } => {
                    by_predicate = true;
                    let pos = &inner.pos;
                    let mut start = 0;
                    while start < pos.len() {
                        let p = pos[start][0];
                        let end = start + pos[start..].partition_point(|t| t[0] == p);
                        let (a, b) = range(&pos[start..end], &[p, o]);
                        ranges.push((start + a, start + b));
                        start = end;
                    }
                    Vec::new()
                }
                _ => {
                    ranges.push((0, inner.spo.len()));
                    Vec::new()
                }
            };
            // The delta's additions, filtered.
            let added = if by_predicate && !prefix.is_empty() {
                &inner.added.pos
            } else {
                &inner.added.spo
            };
            for t in delta_range(added, &prefix) {
                let t = if by_predicate && !prefix.is_empty() {
                    spo_of(*t)
                } else {
                    *t
                };
                if pattern.admits(t) {
                    rest.push([DEFAULT_GRAPH, t[0], t[1], t[2]]);
                }
            }
        }
        if pattern.g != Some(DEFAULT_GRAPH) {
            named_matches(&inner.named, pattern, &mut rest);
        }
        ranges.reverse();
        Matches {
            inner,
            by_predicate,
            ranges,
            at: 0,
            pattern,
            rest: rest.into_iter(),
        }
    }

    fn none(inner: Arc<Inner>) -> Matches {
        Matches {
            inner,
            by_predicate: false,
            ranges: Vec::new(),
            at: 0,
            pattern: Pattern {
                s: None,
                p: None,
                o: None,
                g: None,
            },
            rest: Vec::new().into_iter(),
        }
    }
}

impl Iterator for Matches {
    type Item = NamedIds;

    fn next(&mut self) -> Option<NamedIds> {
        let inner = &*self.inner;
        let array = if self.by_predicate {
            &inner.pos
        } else {
            &inner.spo
        };
        let check_removed = !inner.removed.spo.is_empty();
        while let Some(&(start, end)) = self.ranges.last() {
            let i = start.max(self.at);
            if i >= end {
                self.ranges.pop();
                self.at = 0;
                continue;
            }
            self.at = i + 1;
            let t = if self.by_predicate {
                spo_of(array[i])
            } else {
                array[i]
            };
            if self.pattern.admits(t) && !(check_removed && inner.removed.spo.contains(&t)) {
                return Some([DEFAULT_GRAPH, t[0], t[1], t[2]]);
            }
        }
        self.rest.next()
    }
}

/// One consistent view of the store; cheap to clone.
#[derive(Clone, Default)]
pub struct Snapshot(Arc<Inner>);

impl Snapshot {
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn matches(
        &self,
        s: Option<NamedOrBlankNodeRef<'_>>,
        p: Option<NamedNodeRef<'_>>,
        o: Option<TermRef<'_>>,
        g: Option<GraphNameRef<'_>>,
    ) -> Matches {
        // `None` when a bound term is not stored: nothing can match.
        fn bound<T>(term: Option<T>, find: impl FnOnce(T) -> Option<Id>) -> Option<Option<Id>> {
            match term {
                None => Some(None),
                Some(t) => find(t).map(Some),
            }
        }
        let inner = &self.0;
        let pattern = (|| {
            Some(Pattern {
                s: bound(s, |s| inner.find(s.into()))?,
                p: bound(p, |p| inner.find(p.into()))?,
                o: bound(o, |o| inner.find(o))?,
                g: bound(g, |g| inner.find_graph(g))?,
            })
        })();
        match pattern {
            Some(pattern) => Matches::new(self.0.clone(), pattern),
            None => Matches::none(self.0.clone()),
        }
    }

    /// The quads matching a pattern, borrowed from the snapshot.
    pub fn quads_for_pattern<'a>(
        &'a self,
        s: Option<NamedOrBlankNodeRef<'_>>,
        p: Option<NamedNodeRef<'_>>,
        o: Option<TermRef<'_>>,
        g: Option<GraphNameRef<'_>>,
    ) -> impl Iterator<Item = QuadRef<'a>> + use<'a> {
        self.matches(s, p, o, g).map(|q| self.0.quad(q))
    }

    /// The default graph's triples about `root` and, transitively, about
    /// the IRIs they point to that `follow` accepts. Walked by term id, so
    /// only `root` is looked up by its text.
    pub fn closure<'a>(
        &'a self,
        root: NamedNodeRef<'_>,
        follow: impl Fn(&str) -> bool,
    ) -> Vec<QuadRef<'a>> {
        let inner = &*self.0;
        let mut out = Vec::new();
        let Some(root) = inner.find(root.into()) else {
            return out;
        };
        let mut todo = vec![root];
        let mut seen = Vec::new();
        while let Some(s) = todo.pop() {
            if seen.contains(&s) {
                continue;
            }
            seen.push(s);
            let pattern = Pattern {
                s: Some(s),
                p: None,
                o: None,
                g: Some(DEFAULT_GRAPH),
            };
            for q in Matches::new(self.0.clone(), pattern) {
                let quad = inner.quad(q);
                if let TermRef::NamedNode(o) = quad.object
                    && follow(o.as_str())
                {
                    todo.push(q[3]);
                }
                out.push(quad);
            }
        }
        out
    }

    /// Every quad, borrowed: the dump serializes them without copying.
    pub fn iter(&self) -> impl Iterator<Item = QuadRef<'_>> {
        self.quads_for_pattern(None, None, None, None)
    }
}

/// A term inside SPARQL evaluation: a stored term's id, or a term the store
/// does not hold (a constant of the query, a computed value).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Key {
    Stored(Id),
    Other(Arc<Term>),
}

impl<'a> QueryableDataset<'a> for Snapshot {
    type InternalTerm = Key;
    type Error = Infallible;

    fn internal_quads_for_pattern(
        &self,
        subject: Option<&Key>,
        predicate: Option<&Key>,
        object: Option<&Key>,
        graph_name: Option<Option<&Key>>,
    ) -> impl Iterator<Item = Result<InternalQuad<Key>, Infallible>> + use<'a> {
        fn id(k: Option<&Key>) -> Result<Option<Id>, ()> {
            match k {
                None => Ok(None),
                Some(Key::Stored(id)) => Ok(Some(*id)),
                Some(Key::Other(_)) => Err(()),
            }
        }
        let g = match graph_name {
            None => Ok(None),
            Some(None) => Ok(Some(DEFAULT_GRAPH)),
            Some(g) => id(g),
        };
        let matches = match (id(subject), id(predicate), id(object), g) {
            (Ok(s), Ok(p), Ok(o), Ok(g)) => Matches::new(self.0.clone(), Pattern { s, p, o, g }),
            _ => Matches::none(self.0.clone()),
        };
        matches.map(|[g, s, p, o]| {
            Ok(InternalQuad {
                subject: Key::Stored(s),
                predicate: Key::Stored(p),
                object: Key::Stored(o),
                graph_name: (g != DEFAULT_GRAPH).then_some(Key::Stored(g)),
            })
        })
    }

    fn internal_named_graphs(&self) -> impl Iterator<Item = Result<Key, Infallible>> + use<'a> {
        let graphs: BTreeSet<Id> = self.0.named.iter().map(|q| q[0]).collect();
        graphs.into_iter().map(|g| Ok(Key::Stored(g)))
    }

    fn contains_internal_graph_name(&self, graph_name: &Key) -> Result<bool, Infallible> {
        Ok(match graph_name {
            Key::Stored(g) => self
                .0
                .named
                .range([*g, 0, 0, 0]..=[*g, Id::MAX, Id::MAX, Id::MAX])
                .next()
                .is_some(),
            Key::Other(_) => false,
        })
    }

    fn internalize_term(&self, term: Term) -> Result<Key, Infallible> {
        Ok(match self.0.find(term.as_ref()) {
            Some(id) => Key::Stored(id),
            None => Key::Other(Arc::new(term)),
        })
    }

    fn externalize_term(&self, term: Key) -> Result<Term, Infallible> {
        Ok(match term {
            Key::Stored(id) => self.0.term(id).into_owned(),
            Key::Other(term) => Arc::unwrap_or_clone(term),
        })
    }
}

/// The writable store: a handle to its current snapshot.
#[derive(Clone, Default)]
pub struct Store {
    current: Arc<RwLock<Snapshot>>,
    writer: Arc<Mutex<()>>,
}

impl Store {
    pub fn new() -> Store {
        Store::default()
    }

    pub fn snapshot(&self) -> Snapshot {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Puts another store's content in place of this one's, whole.
    pub fn replace_with(&self, other: &Store) {
        let _writing = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = other.snapshot();
    }

    /// Runs `change` against the current snapshot and publishes its
    /// removals and insertions as one new snapshot: a reader sees all of
    /// them or none.
    pub fn transaction(&self, change: impl FnOnce(&mut Transaction)) {
        let _writing = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let mut tx = Transaction {
            before: self.snapshot(),
            cleared: Vec::new(),
            removed: Vec::new(),
            inserted: Vec::new(),
        };
        change(&mut tx);
        let mut next = (*tx.before.0).clone();
        for g in &tx.cleared {
            if let Some(g) = next.find(g.as_ref().into()) {
                next.named.retain(|q| q[0] != g);
            }
        }
        for q in &tx.removed {
            if let Some(ids) = next.find_quad(q.as_ref()) {
                next.remove(ids);
            }
        }
        for q in &tx.inserted {
            let ids = [
                next.graph_id(q.graph_name.as_ref()),
                next.intern(q.subject.as_ref().into()),
                next.intern(q.predicate.as_ref().into()),
                next.intern(q.object.as_ref()),
            ];
            next.insert(ids);
        }
        if next.added.len() + next.removed.len() > DELTA_MAX {
            next.compact();
        }
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Snapshot(Arc::new(next));
    }
}

/// The changes of one write; reads see the store as it was before them.
pub struct Transaction {
    before: Snapshot,
    cleared: Vec<NamedNode>,
    removed: Vec<Quad>,
    inserted: Vec<Quad>,
}

impl Transaction {
    pub fn snapshot(&self) -> &Snapshot {
        &self.before
    }

    /// Empties a named graph (before the removals and insertions).
    pub fn clear_graph(&mut self, graph: NamedNode) {
        self.cleared.push(graph);
    }

    pub fn remove(&mut self, quad: Quad) {
        self.removed.push(quad);
    }

    pub fn insert(&mut self, quad: Quad) {
        self.inserted.push(quad);
    }
}

/// Fills a new store in bulk: triples are collected, then sorted once.
#[derive(Default)]
pub struct Builder {
    inner: Inner,
    spo: Vec<Ids>,
}

impl Builder {
    pub fn new() -> Builder {
        Builder::default()
    }

    pub fn add(&mut self, q: QuadRef<'_>) {
        let inner = &mut self.inner;
        let [g, s, p, o] = [
            inner.graph_id(q.graph_name),
            inner.intern(q.subject.into()),
            inner.intern(q.predicate.into()),
            inner.intern(q.object),
        ];
        if g == DEFAULT_GRAPH {
            self.spo.push([s, p, o]);
        } else {
            inner.named.insert([g, s, p, o]);
        }
    }

    pub fn finish(mut self) -> Store {
        self.spo.sort_unstable();
        self.spo.dedup();
        self.spo.shrink_to_fit();
        let mut pos: Vec<Ids> = self.spo.iter().map(|t| pos_of(*t)).collect();
        pos.sort_unstable();
        self.inner.first = Arc::new(firsts(&self.spo));
        self.inner.spo = Arc::new(self.spo);
        self.inner.pos = Arc::new(pos);
        Store {
            current: Arc::new(RwLock::new(Snapshot(Arc::new(self.inner)))),
            writer: Arc::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::{GraphName, Literal};

    fn iri(s: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("https://example.org/{s}"))
    }

    fn quad(s: &str, p: &str, o: impl Into<Term>) -> Quad {
        Quad::new(iri(s), iri(p), o, GraphName::DefaultGraph)
    }

    fn all(snapshot: &Snapshot) -> Vec<Quad> {
        let mut v: Vec<Quad> = snapshot.iter().map(QuadRef::into_owned).collect();
        v.sort_by_key(|q| q.to_string());
        v
    }

    #[test]
    fn terms_come_back_as_they_went_in() {
        let terms: Vec<Term> = vec![
            iri("a").into(),
            Literal::new_simple_literal("Žluťoučký kůň").into(),
            Literal::new_language_tagged_literal_unchecked("se mezerou a @", "cs").into(),
            Literal::new_typed_literal("1234", xsd::NON_NEGATIVE_INTEGER).into(),
            Literal::new_typed_literal("2026-11-22", xsd::DATE).into(),
            oxigraph::model::BlankNode::new_unchecked("b1").into(),
            Literal::new_simple_literal("").into(),
        ];
        let mut b = Builder::new();
        for (i, t) in terms.iter().enumerate() {
            b.add(quad(&format!("s{i}"), "p", t.clone()).as_ref());
        }
        let store = b.finish();
        let snap = store.snapshot();
        for (i, t) in terms.iter().enumerate() {
            let s = iri(&format!("s{i}"));
            let got: Vec<Term> = snap
                .quads_for_pattern(Some(s.as_ref().into()), None, None, None)
                .map(|q| q.object.into_owned())
                .collect();
            assert_eq!(got, vec![t.clone()]);
            let back: Vec<_> = snap
                .quads_for_pattern(None, None, Some(t.as_ref()), None)
                .collect();
            assert_eq!(back.len(), 1, "{t}");
        }
    }

    #[test]
    fn writes_make_new_snapshots_and_old_ones_stay() {
        let mut b = Builder::new();
        for i in 0..100 {
            b.add(
                quad(
                    &format!("d{i}"),
                    "title",
                    Literal::new_simple_literal(format!("t{i}")),
                )
                .as_ref(),
            );
        }
        let store = b.finish();
        let before = store.snapshot();
        // Enough writes to merge the delta several times.
        for round in 0..3 {
            store.transaction(|tx| {
                for i in 0..100 {
                    let old = quad(
                        &format!("d{i}"),
                        "title",
                        Literal::new_simple_literal(format!("t{i}")),
                    );
                    tx.remove(old);
                    for j in 0..30 {
                        tx.insert(quad(
                            &format!("d{i}"),
                            &format!("k{j}"),
                            Literal::new_simple_literal(format!("r{round}")),
                        ));
                    }
                }
            });
        }
        let after = store.snapshot();
        assert_eq!(before.len(), 100);
        assert_eq!(all(&before).len(), 100);
        assert_eq!(after.len(), 3 * 100 * 30);
        let k0 = iri("k0");
        let with_k0: Vec<_> = after
            .quads_for_pattern(None, Some(k0.as_ref()), None, None)
            .collect();
        assert_eq!(with_k0.len(), 300);
        let r2 = Literal::new_simple_literal("r2");
        let objects: Vec<_> = after
            .quads_for_pattern(None, None, Some(r2.as_ref().into()), None)
            .collect();
        assert_eq!(objects.len(), 3000);
        // Removing and re-adding in one write leaves the triple in place.
        let q = quad("d1", "k1", Literal::new_simple_literal("r0"));
        store.transaction(|tx| {
            tx.remove(q.clone());
            tx.insert(q.clone());
        });
        assert_eq!(store.snapshot().len(), 9000);
    }

    /// Random writes against a plain set of quads: every pattern shape
    /// answers the same, before and after the delta is merged.
    #[test]
    fn every_pattern_answers_like_a_plain_set() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let g = iri("g");
        let node = |i: u32| iri(&format!("n{i}"));
        let object = |i: u32| -> Term {
            if i.is_multiple_of(3) {
                Literal::new_simple_literal(format!("v{i}")).into()
            } else {
                node(i).into()
            }
        };
        let random_quad = |rng: &mut rand::rngs::StdRng| {
            let graph = if rng.random_ratio(1, 10) {
                GraphName::NamedNode(g.clone())
            } else {
                GraphName::DefaultGraph
            };
            Quad::new(
                node(rng.random_range(0..40)),
                node(rng.random_range(0..6)),
                object(rng.random_range(0..40)),
                graph,
            )
        };
        let mut model: std::collections::HashSet<Quad> = Default::default();
        let mut b = Builder::new();
        for _ in 0..2000 {
            let q = random_quad(&mut rng);
            model.insert(q.clone());
            b.add(q.as_ref());
        }
        let store = b.finish();
        for round in 0..12 {
            let mut removed = Vec::new();
            let mut inserted = Vec::new();
            for _ in 0..1000 {
                let q = random_quad(&mut rng);
                if rng.random_bool(0.5) {
                    removed.push(q);
                } else {
                    inserted.push(q);
                }
            }
            for q in &removed {
                model.remove(q);
            }
            for q in &inserted {
                model.insert(q.clone());
            }
            store.transaction(|tx| {
                removed.iter().for_each(|q| tx.remove(q.clone()));
                inserted.iter().for_each(|q| tx.insert(q.clone()));
            });
            let snap = store.snapshot();
            assert_eq!(snap.len(), model.len(), "round {round}");
            for _ in 0..60 {
                let probe = random_quad(&mut rng);
                let s = rng.random_bool(0.5).then(|| probe.subject.as_ref());
                let p = rng.random_bool(0.5).then(|| probe.predicate.as_ref());
                let o = rng.random_bool(0.5).then(|| probe.object.as_ref());
                let graph = match rng.random_range(0..3) {
                    0 => None,
                    1 => Some(GraphNameRef::DefaultGraph),
                    _ => Some(GraphNameRef::NamedNode(g.as_ref())),
                };
                let mut got: Vec<String> = snap
                    .quads_for_pattern(s, p, o, graph)
                    .map(|q| q.to_string())
                    .collect();
                got.sort();
                let mut want: Vec<String> = model
                    .iter()
                    .filter(|q| {
                        s.is_none_or(|s| q.subject.as_ref() == s)
                            && p.is_none_or(|p| q.predicate.as_ref() == p)
                            && o.is_none_or(|o| q.object.as_ref() == o)
                            && graph.is_none_or(|g| q.graph_name.as_ref() == g)
                    })
                    .map(|q| q.to_string())
                    .collect();
                want.sort();
                assert_eq!(got, want, "round {round}: {s:?} {p:?} {o:?} {graph:?}");
            }
        }
    }

    #[test]
    fn named_graphs_are_apart_and_cleared_whole() {
        let g = iri("catalog");
        let mut b = Builder::new();
        b.add(QuadRef::new(
            iri("c").as_ref(),
            iri("p").as_ref(),
            iri("x").as_ref(),
            g.as_ref(),
        ));
        b.add(quad("d", "p", iri("x")).as_ref());
        let store = b.finish();
        let snap = store.snapshot();
        assert_eq!(
            snap.quads_for_pattern(None, None, None, Some(g.as_ref().into()))
                .count(),
            1
        );
        assert_eq!(
            snap.quads_for_pattern(None, None, None, Some(GraphNameRef::DefaultGraph))
                .count(),
            1
        );
        let x = iri("x");
        assert_eq!(
            snap.quads_for_pattern(None, None, Some(x.as_ref().into()), None)
                .count(),
            2
        );
        store.transaction(|tx| {
            tx.clear_graph(g.clone());
        });
        assert_eq!(store.snapshot().len(), 1);
        assert_eq!(snap.len(), 2);
    }
}
