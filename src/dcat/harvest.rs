//! Harvesting another DCAT catalog (a municipality's LKOD, say) into this
//! one. The source is read whole first (the catalog document and, as NKOD
//! does, each dataset IRI it lists but does not describe); only when every
//! document parses does anything get written, in one transaction. Datasets
//! keep their original IRI (`dct:identifier`, and the key that matches them
//! on the next harvest) and show which catalog they came from; a dataset that
//! left the source is withdrawn with that reason, and one that returns is
//! published again.

use std::collections::HashSet;
use std::io::Read;

use diesel::prelude::*;
use oxigraph::io::{JsonLdProfile, LoadedDocument, RdfFormat, RdfParser};
use oxigraph::model::{NamedNode, NamedOrBlankNode, Term, Triple};
use serde::Serialize;

use super::jsonld::{CONTEXT, context_document};
use super::lookup::Graph;
use super::ns::{DCAT, DCT, FOAF, IANA_MEDIA_TYPES, PU, RDF, VCARD};
use crate::audit::{self, Actor};
use crate::catalog::input::{Origin, check_record, describe_cs};
use crate::catalog::model::{
    Concept, Dataset, DatasetRecord, DatasetStatus, Distribution, Publisher, RUIAN_PREFIX, terms,
};
use crate::catalog::store as catalog_store;
use crate::db::DbConnection;
use crate::db::schema::{datasets, harvest_sources};

/// Largest document read from a source.
const MAX_DOCUMENT: u64 = 50 * 1024 * 1024;
/// Most dataset documents fetched in one harvest.
const MAX_DOCUMENTS: usize = 10_000;
const UNKNOWN_FREQUENCY: &str =
    "http://publications.europa.eu/resource/authority/frequency/UNKNOWN";

#[derive(Debug, Default, Clone)]
pub struct Options {
    /// IRI prefix → URL prefix, for sources whose IRIs are not where they
    /// are served (a test server, a catalog behind a proxy).
    pub rewrite: Vec<(String, String)>,
    /// The client for every URL of the source (public addresses only,
    /// unless the configuration allows more).
    pub fetcher: crate::fetch::Fetcher,
}

impl Options {
    /// The options a configuration gives: its fetch allow-list.
    pub fn from_config(config: &crate::Config) -> Options {
        Options {
            rewrite: Vec::new(),
            fetcher: crate::fetch::Fetcher::new(crate::fetch::Policy {
                allow: config.fetch_allow.clone(),
            }),
        }
    }
}

/// What a harvest did, shown to the curator and kept with the source.
#[derive(Debug, Default, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct Report {
    pub location: String,
    pub documents: usize,
    pub created: Vec<String>,
    pub updated: Vec<String>,
    pub unchanged: usize,
    pub withdrawn: Vec<String>,
    /// Dataset IRI and why it was not taken.
    pub rejected: Vec<(String, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum HarvestError {
    #[error("{location}: {message}")]
    Fetch { location: String, message: String },
    #[error("{location}:{line}:{column}: {message}")]
    Parse {
        location: String,
        line: u64,
        column: u64,
        message: String,
    },
    #[error("{0}: the source describes no dcat:Dataset")]
    Empty(String),
    #[error("unknown publisher {0}")]
    UnknownPublisher(String),
    #[error("not allowed to act for publisher {0}")]
    Forbidden(String),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// A document as it arrived: bytes, where from, and what it says it is.
pub struct Document {
    pub location: String,
    pub bytes: Vec<u8>,
    pub content_type: Option<String>,
}

fn rewritten(url: &str, opts: &Options) -> String {
    for (from, to) in &opts.rewrite {
        if let Some(rest) = url.strip_prefix(from.as_str()) {
            return format!("{to}{rest}");
        }
    }
    url.to_string()
}

/// Reads a source: an http(s) URL, or a file path.
pub fn read(location: &str, opts: &Options) -> Result<Document, HarvestError> {
    let fail = |message: String| HarvestError::Fetch {
        location: location.to_string(),
        message,
    };
    if location.starts_with("http://") || location.starts_with("https://") {
        let url = rewritten(location, opts);
        let fetched = opts
            .fetcher
            .get(
                &url,
                "text/turtle, application/ld+json;q=0.9, application/rdf+xml;q=0.8, application/n-triples;q=0.7",
                MAX_DOCUMENT,
            )
            .map_err(|e| fail(e.to_string()))?;
        Ok(Document {
            location: location.to_string(),
            bytes: fetched.bytes,
            content_type: fetched.content_type,
        })
    } else {
        let mut bytes = Vec::new();
        std::fs::File::open(location)
            .and_then(|f| f.take(MAX_DOCUMENT).read_to_end(&mut bytes))
            .map_err(|e| fail(e.to_string()))?;
        Ok(Document {
            location: location.to_string(),
            bytes,
            content_type: None,
        })
    }
}

fn format_of(doc: &Document) -> RdfFormat {
    let media = doc
        .content_type
        .as_deref()
        .and_then(|c| c.split(';').next())
        .map(|c| c.trim().to_ascii_lowercase());
    let by_media = media.as_deref().and_then(|m| match m {
        "application/ld+json" | "application/json" => Some(RdfFormat::JsonLd {
            profile: oxigraph::io::JsonLdProfileSet::empty(),
        }),
        m => RdfFormat::from_media_type(m),
    });
    if let Some(f) = by_media {
        return f;
    }
    let lower = doc.location.to_ascii_lowercase();
    if lower.ends_with(".json") || lower.ends_with(".jsonld") {
        return RdfFormat::JsonLd {
            profile: oxigraph::io::JsonLdProfileSet::empty(),
        };
    }
    if let Some(ext) = lower.rsplit('.').next()
        && let Some(f) = RdfFormat::from_extension(ext)
    {
        return f;
    }
    // Sniff what a file without a telling name holds.
    let head = String::from_utf8_lossy(&doc.bytes[..doc.bytes.len().min(512)]).to_string();
    let head = head.trim_start();
    if head.starts_with('{') || head.starts_with('[') {
        RdfFormat::JsonLd {
            profile: oxigraph::io::JsonLdProfileSet::empty(),
        }
    } else if head.starts_with("<?xml") || head.starts_with("<rdf:RDF") {
        RdfFormat::RdfXml
    } else {
        RdfFormat::Turtle
    }
}

/// Parses a document; the first syntax error is reported with its line and
/// column (1-based), and nothing of the document is kept.
pub fn parse(doc: &Document) -> Result<Vec<Triple>, HarvestError> {
    let format = format_of(doc);
    let refuse = |message: String| HarvestError::Fetch {
        location: doc.location.clone(),
        message,
    };
    // The parsers recurse per level of nesting: measured first, so that a
    // small document cannot overflow the stack and abort the server.
    let depth = match format {
        RdfFormat::RdfXml => {
            check_xml_entities(&doc.bytes).map_err(refuse)?;
            0
        }
        RdfFormat::JsonLd { .. } => crate::bounds::json_depth(&doc.bytes),
        RdfFormat::NTriples | RdfFormat::NQuads => 0,
        _ => crate::bounds::bracket_depth(&String::from_utf8_lossy(&doc.bytes)),
    };
    if depth > crate::bounds::MAX_DOCUMENT_DEPTH {
        return Err(refuse(format!(
            "the document nests {depth} levels deep, more than the {} accepted",
            crate::bounds::MAX_DOCUMENT_DEPTH
        )));
    }
    let mut parser = RdfParser::from_format(format);
    if doc.location.starts_with("http") {
        parser = parser
            .with_base_iri(doc.location.as_str())
            .map_err(|e| HarvestError::Fetch {
                location: doc.location.clone(),
                message: e.to_string(),
            })?;
    }
    let context = serde_json::to_vec(&context_document()).unwrap_or_default();
    let mut triples = Vec::new();
    let quads = parser
        .for_slice(&doc.bytes)
        .with_document_loader(move |url| {
            // The DCAT-AP-CZ context is built in (the term table the
            // catalog writes with); other remote contexts are not fetched.
            if url == CONTEXT {
                Ok(LoadedDocument {
                    url: url.to_string(),
                    content: context.clone(),
                    format: RdfFormat::JsonLd {
                        profile: JsonLdProfile::Context.into(),
                    },
                })
            } else {
                Err(format!("remote JSON-LD context {url} is not loaded").into())
            }
        });
    for q in quads {
        match q {
            Ok(q) => triples.push(Triple::from(q)),
            Err(e) => {
                let (line, column) = e
                    .location()
                    .map(|r| (r.start.line + 1, r.start.column + 1))
                    .unwrap_or((0, 0));
                return Err(HarvestError::Parse {
                    location: doc.location.clone(),
                    line,
                    column,
                    message: e.to_string(),
                });
            }
        }
    }
    Ok(triples)
}

/// Most bytes that the entities of one XML document may expand to.
const MAX_ENTITY_EXPANSION: usize = 1024 * 1024;

/// RDF/XML may declare entities in its DTD, and the parser expands them:
/// ten nested levels of ten references ("billion laughs") turn a kilobyte
/// into gigabytes. Plain abbreviations (`<!ENTITY dct "http://…">`, common
/// in real RDF/XML) stay allowed; an entity that refers to another one,
/// a parameter or external entity, or expansion past
/// `MAX_ENTITY_EXPANSION` bytes in all is refused before parsing.
pub fn check_xml_entities(bytes: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(bytes);
    let Some(start) = text.find("<!DOCTYPE") else {
        return Ok(());
    };
    let end = text[start..]
        .find("]>")
        .map_or(text.len(), |e| start + e + 2);
    let mut entities: Vec<(&str, usize)> = Vec::new();
    for decl in text[start..end].split("<!ENTITY").skip(1) {
        let decl = decl.trim_start();
        if decl.starts_with('%') {
            return Err("XML parameter entities are not accepted".into());
        }
        let name_end = decl.find(|c: char| c.is_whitespace()).unwrap_or(decl.len());
        let (name, rest) = decl.split_at(name_end);
        let rest = rest.trim_start();
        let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            return Err(format!(
                "the XML entity {name} is external or malformed; only plain text entities are accepted"
            ));
        };
        let value = rest[1..].split(quote).next().unwrap_or("");
        if value.contains('&') || value.contains('%') {
            return Err(format!(
                "the XML entity {name} refers to other entities, which is not accepted"
            ));
        }
        entities.push((name, value.len()));
    }
    let body = &text[end.min(text.len())..];
    let mut expansion = 0usize;
    for (name, len) in entities {
        let uses = body.matches(&format!("&{name};")).count();
        expansion = expansion.saturating_add(uses.saturating_mul(len));
    }
    if expansion > MAX_ENTITY_EXPANSION {
        return Err(format!(
            "the XML entities would expand to {expansion} bytes, more than the {MAX_ENTITY_EXPANSION} accepted"
        ));
    }
    Ok(())
}

/// The source's graph: the document and the dataset documents it points to.
pub fn gather(first: Document, opts: &Options) -> Result<(Vec<Triple>, usize), HarvestError> {
    let mut triples = parse(&first)?;
    let mut documents = 1;
    let described: HashSet<String> = subjects_of_type(&triples, &format!("{DCAT}Dataset"));
    let listed: Vec<String> = triples
        .iter()
        .filter(|t| t.predicate.as_str() == format!("{DCAT}dataset"))
        .filter_map(|t| match &t.object {
            Term::NamedNode(n) => Some(n.as_str().to_string()),
            _ => None,
        })
        .filter(|iri| !described.contains(iri))
        .filter(|iri| iri.starts_with("http://") || iri.starts_with("https://"))
        .collect();
    for iri in listed.into_iter().take(MAX_DOCUMENTS) {
        let doc = read(&iri, opts)?;
        triples.extend(parse(&doc)?);
        documents += 1;
    }
    Ok((triples, documents))
}

fn subjects_of_type(triples: &[Triple], class: &str) -> HashSet<String> {
    triples
        .iter()
        .filter(|t| {
            t.predicate.as_str() == format!("{RDF}type")
                && matches!(&t.object, Term::NamedNode(n) if n.as_str() == class)
        })
        .filter_map(|t| match &t.subject {
            NamedOrBlankNode::NamedNode(n) => Some(n.as_str().to_string()),
            _ => None,
        })
        .collect()
}

fn iso_date(v: &str) -> Option<String> {
    let d = v.get(..10)?;
    chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
        .ok()
        .map(|_| d.to_string())
}

/// One harvested dataset as this catalog's record, or why it cannot be one.
fn to_record(
    g: &Graph<'_>,
    iri: &str,
    publisher_id: &str,
    concepts: &[Concept],
) -> Result<DatasetRecord, String> {
    let s = NamedOrBlankNode::from(NamedNode::new(iri).map_err(|e| e.to_string())?).to_string();
    let known = |scheme: &str, v: &str| concepts.iter().any(|c| c.scheme == scheme && c.iri == v);
    let title_cs = g
        .text(&s, DCT, "title", "cs")
        .or_else(|| g.text(&s, DCT, "title", "en"))
        .ok_or("chybí název (dct:title)")?;
    let description_cs = g
        .text(&s, DCT, "description", "cs")
        .or_else(|| g.text(&s, DCT, "description", "en"))
        .ok_or("chybí popis (dct:description)")?;
    let spatial_iri = g
        .iris(&s, DCT, "spatial")
        .into_iter()
        .find(|i| i.starts_with(RUIAN_PREFIX))
        .ok_or("chybí prvek RÚIAN (dct:spatial)")?;
    // EuroVoc concepts are kept when the vocabulary here knows them (their
    // labels type them as the shapes want); an EU data theme is required.
    let themes: Vec<String> = g
        .iris(&s, DCAT, "theme")
        .into_iter()
        .filter(|t| known("theme", t) || known("eurovoc", t))
        .collect();
    if !themes.iter().any(|t| known("theme", t)) {
        return Err("chybí téma z číselníku EU (dcat:theme)".into());
    }
    let frequency_iri = g
        .iri(&s, DCT, "accrualPeriodicity")
        .filter(|f| known("frequency", f))
        .unwrap_or_else(|| UNKNOWN_FREQUENCY.to_string());
    let contact = g.node(&s, DCAT, "contactPoint");
    let contact_email = contact.as_ref().and_then(|c| {
        g.iri(c, VCARD, "hasEmail")
            .or_else(|| g.literal(c, VCARD, "hasEmail"))
            .map(|e| e.trim_start_matches("mailto:").to_string())
    });
    let contact_name = contact.as_ref().and_then(|c| g.text(c, VCARD, "fn", "cs"));
    let temporal = g.node(&s, DCT, "temporal");
    let temporal_start = temporal
        .as_ref()
        .and_then(|t| g.literal(t, DCAT, "startDate"))
        .and_then(|d| iso_date(&d));
    let temporal_end = temporal
        .as_ref()
        .and_then(|t| g.literal(t, DCAT, "endDate"))
        .and_then(|d| iso_date(&d));
    let bbox = g
        .iris(&s, DCT, "spatial")
        .into_iter()
        .filter_map(|l| {
            let key = NamedOrBlankNode::from(NamedNode::new(l).ok()?).to_string();
            g.literal(&key, DCAT, "bbox")
        })
        .find_map(|wkt| super::graph::bbox_from_wkt(&wkt));
    let mut distributions = Vec::new();
    for d in g.iris(&s, DCAT, "distribution") {
        let dk = NamedOrBlankNode::from(NamedNode::new_unchecked(d.clone())).to_string();
        if let Some(dist) = to_distribution(g, &dk, &title_cs, concepts) {
            distributions.push(dist);
        }
    }
    Ok(DatasetRecord {
        dataset: Dataset {
            id: crate::db::new_id(),
            slug: String::new(),
            publisher_id: publisher_id.to_string(),
            status: DatasetStatus::Published,
            title_en: g.text(&s, DCT, "title", "en"),
            description_en: g.text(&s, DCT, "description", "en"),
            title_cs,
            description_cs,
            frequency_iri,
            spatial_iri,
            temporal_start,
            temporal_end,
            contact_name,
            contact_email,
            documentation_url: g.iri(&s, FOAF, "page"),
            is_example: false,
            withdrawn_reason: None,
            published_at: None,
            origin_iri: Some(iri.to_string()),
            harvest_source_id: None,
            conforms_to: g.iri(&s, DCT, "conformsTo"),
            bbox_west: bbox.map(|b| b[0]),
            bbox_south: bbox.map(|b| b[1]),
            bbox_east: bbox.map(|b| b[2]),
            bbox_north: bbox.map(|b| b[3]),
        },
        themes,
        keywords_cs: g.texts(&s, DCAT, "keyword", "cs"),
        keywords_en: g.texts(&s, DCAT, "keyword", "en"),
        distributions,
    })
}

/// A distribution with its access URL and terms of use; without either it is
/// not one DCAT-AP-CZ would accept, and NKOD drops it too.
fn to_distribution(
    g: &Graph<'_>,
    d: &str,
    dataset_title: &str,
    concepts: &[Concept],
) -> Option<Distribution> {
    let access_url = g.iri(d, DCAT, "accessURL")?;
    let tou = g.node(d, PU, "specifikace")?;
    let tou_iri = |local: &str| g.iri(&tou, PU, local);
    let format_iri = g.iri(d, DCT, "format").filter(|f| {
        concepts
            .iter()
            .any(|c| c.scheme == "file_type" && &c.iri == f)
    })?;
    let media_type = g
        .iri(d, DCAT, "mediaType")
        .and_then(|m| m.strip_prefix(IANA_MEDIA_TYPES).map(str::to_string))
        .or_else(|| {
            concepts
                .iter()
                .find(|c| c.iri == format_iri)
                .and_then(|c| c.media_type.clone())
        })?;
    let service = g.node(d, DCAT, "accessService");
    let service_iri = |local: &str| service.as_ref().and_then(|sv| g.iri(sv, DCAT, local));
    // A file and a service at once is neither to DCAT-AP-CZ; the file wins.
    let service_endpoint_url =
        service_iri("endpointURL").filter(|_| g.iri(d, DCAT, "downloadURL").is_none());
    Some(Distribution {
        service_description_url: service_endpoint_url
            .as_ref()
            .and(service_iri("endpointDescription")),
        service_conforms_to: service_endpoint_url
            .as_ref()
            .and(service.as_ref().and_then(|sv| g.iri(sv, DCT, "conformsTo"))),
        service_endpoint_url,
        conforms_to: g.iri(d, DCT, "conformsTo"),
        id: crate::db::new_id(),
        dataset_id: String::new(),
        position: 0,
        title_cs: g
            .text(d, DCT, "title", "cs")
            .unwrap_or_else(|| dataset_title.to_string()),
        title_en: g.text(d, DCT, "title", "en"),
        download_url: g.iri(d, DCAT, "downloadURL"),
        access_url,
        media_type,
        format_iri,
        byte_size: g.literal(d, DCAT, "byteSize").and_then(|b| b.parse().ok()),
        licence_iri: g.iri(d, DCT, "license"),
        tou_author_work: tou_iri("autorské-dílo")?,
        tou_db_author_work: tou_iri("databáze-jako-autorské-dílo")?,
        tou_db_sui_generis: tou_iri("databáze-chráněná-zvláštními-právy")?,
        tou_personal_data: tou_iri("osobní-údaje")
            .filter(|p| p == terms::PERSONAL_DATA || p == terms::NO_PERSONAL_DATA)?,
        managed_by: None,
        checksum_sha256: None,
    })
}

/// A slug for a harvested dataset: the publisher's and the last segment of
/// its IRI, made unique.
fn new_slug(conn: &mut DbConnection, publisher: &Publisher, iri: &str) -> QueryResult<String> {
    let tail = iri
        .trim_end_matches(['/', '#'])
        .rsplit(['/', '#'])
        .next()
        .unwrap_or("sada");
    let mut base = format!("{}-{}", publisher.slug, slugify(tail));
    base.truncate(80);
    let base = base.trim_end_matches('-').to_string();
    let mut candidate = base.clone();
    let mut n = 2;
    while datasets::table
        .filter(datasets::slug.eq(&candidate))
        .count()
        .get_result::<i64>(conn)?
        > 0
    {
        candidate = format!("{base}-{n}");
        n += 1;
    }
    Ok(candidate)
}

fn slugify(s: &str) -> String {
    let decoded = url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| s.to_string());
    crate::catalog::model::Slug::from_title(&decoded)
        .map(|s| s.as_str().to_string())
        .unwrap_or_else(|| "sada".into())
}

/// Harvests a source read beforehand (so a broken document stops everything
/// before the database is touched) for a publisher, in one transaction.
pub fn apply(
    conn: &mut DbConnection,
    actor: &Actor,
    location: &str,
    publisher: &Publisher,
    triples: &[Triple],
    documents: usize,
) -> Result<Report, HarvestError> {
    let dataset_iris: Vec<String> = {
        let mut v: Vec<String> = subjects_of_type(triples, &format!("{DCAT}Dataset"))
            .into_iter()
            .collect();
        v.sort();
        v
    };
    if dataset_iris.is_empty() {
        return Err(HarvestError::Empty(location.to_string()));
    }
    let g = Graph::new(triples.iter().map(Triple::as_ref));
    let concepts = catalog_store::concepts(conn, None)?;
    audit::write_tx(conn, |c| {
        let mut report = Report {
            location: location.to_string(),
            documents,
            ..Report::default()
        };
        let source_id = source_row(c, actor, location, &publisher.id)?;
        let mut seen = HashSet::new();
        for iri in &dataset_iris {
            // The same rules as a curator's record, with the looser policy
            // for links an imported record has.
            let checked = to_record(&g, iri, &publisher.id, &concepts).and_then(|r| {
                let errors = check_record(&r, Origin::Imported);
                if errors.is_empty() {
                    Ok(r)
                } else {
                    Err(describe_cs(&errors))
                }
            });
            let mut rec = match checked {
                Ok(r) => r,
                Err(why) => {
                    report.rejected.push((iri.clone(), why));
                    continue;
                }
            };
            seen.insert(iri.clone());
            rec.dataset.harvest_source_id = Some(source_id.clone());
            let existing: Option<(String, DatasetStatus)> = datasets::table
                .filter(datasets::harvest_source_id.eq(&source_id))
                .filter(datasets::origin_iri.eq(iri))
                .select((datasets::slug, datasets::status))
                .first(c)
                .optional()?;
            let before = match &existing {
                Some((slug, _)) => catalog_store::record_by_slug(c, slug)?,
                None => None,
            };
            rec.dataset.slug = match &existing {
                Some((slug, _)) => slug.clone(),
                None => new_slug(c, publisher, iri)?,
            };
            catalog_store::save_record(c, actor, &rec, None)?;
            let after = catalog_store::record_by_slug(c, &rec.dataset.slug)?;
            match (before, after) {
                (None, _) => report.created.push(rec.dataset.slug.clone()),
                (Some(b), Some(a)) if b != a => report.updated.push(rec.dataset.slug.clone()),
                _ => report.unchanged += 1,
            }
        }
        // What the source no longer lists is withdrawn, with the reason.
        let vanished: Vec<(String, Option<String>)> = datasets::table
            .filter(datasets::harvest_source_id.eq(&source_id))
            .filter(datasets::status.eq(DatasetStatus::Published))
            .select((datasets::slug, datasets::origin_iri))
            .load(c)?;
        for (slug, origin) in vanished {
            if origin.as_ref().is_some_and(|o| seen.contains(o)) {
                continue;
            }
            if let Some(mut rec) = catalog_store::record_by_slug(c, &slug)? {
                let reason = format!(
                    "Datová sada již není ve zdrojovém katalogu {location} (sklizeň {}).",
                    crate::db::now().format("%Y-%m-%d")
                );
                rec.dataset.status = DatasetStatus::Withdrawn;
                rec.dataset.withdrawn_reason = Some(reason.clone());
                let moved = crate::lifecycle::Moved {
                    from: "published",
                    to: "withdrawn",
                    reason: Some(reason),
                };
                catalog_store::save_record(c, actor, &rec, Some(&moved))?;
                report.withdrawn.push(slug);
            }
        }
        diesel::update(harvest_sources::table.find(&source_id))
            .set((
                harvest_sources::last_harvested_at.eq(crate::db::now()),
                harvest_sources::last_report.eq(serde_json::to_string(&report).unwrap_or_default()),
                harvest_sources::last_attempt_at.eq(Some(crate::db::now())),
                harvest_sources::last_error.eq(None::<String>),
            ))
            .execute(c)?;
        audit::record(
            c,
            actor,
            audit::Entry {
                action: "harvest",
                object_type: "harvest_source",
                object_id: &source_id,
                object_label: location,
                before: None,
                after: Some(serde_json::json!({
                    "created": report.created.len(),
                    "updated": report.updated.len(),
                    "unchanged": report.unchanged,
                    "withdrawn": report.withdrawn.len(),
                    "rejected": report.rejected.len(),
                })),
            },
        )?;
        Ok::<_, HarvestError>(report)
    })
}

/// The source's row, made on its first harvest (audited). A source belongs
/// to its publisher: it is found by (publisher, location), so a curator of
/// another publisher who gives the same location gets a source of his own
/// and never touches this one's datasets.
fn source_row(
    conn: &mut DbConnection,
    actor: &Actor,
    location: &str,
    publisher_id: &str,
) -> Result<String, HarvestError> {
    let found: Option<String> = harvest_sources::table
        .filter(harvest_sources::publisher_id.eq(publisher_id))
        .filter(harvest_sources::location.eq(location))
        .select(harvest_sources::id)
        .first(conn)
        .optional()?;
    if let Some(id) = found {
        return Ok(id);
    }
    let id = crate::db::new_id();
    diesel::insert_into(harvest_sources::table)
        .values((
            harvest_sources::id.eq(&id),
            harvest_sources::location.eq(location),
            harvest_sources::publisher_id.eq(publisher_id),
            harvest_sources::created_at.eq(crate::db::now()),
        ))
        .execute(conn)?;
    audit::store::record_change(
        conn,
        actor,
        "harvest_source",
        &id,
        location,
        None::<&serde_json::Value>,
        Some(&serde_json::json!({"location": location, "publisher_id": publisher_id})),
    )?;
    Ok(id)
}

/// A harvest source as the curators' page lists it.
#[derive(Debug, Clone, Serialize, Queryable)]
pub struct SourceRow {
    pub id: String,
    pub location: String,
    pub publisher_id: String,
    pub created_at: chrono::NaiveDateTime,
    pub last_harvested_at: Option<chrono::NaiveDateTime>,
    pub last_report: Option<String>,
    /// The last try, scheduled or not, and why it failed (`None`: it
    /// worked).
    pub last_attempt_at: Option<chrono::NaiveDateTime>,
    pub last_error: Option<String>,
}

/// The web sources (not uploaded files) not tried for `every_hours`: the
/// scheduled harvest's work.
pub fn due(conn: &mut DbConnection, every_hours: u64) -> QueryResult<Vec<SourceRow>> {
    let since = crate::db::now() - chrono::Duration::hours(every_hours as i64);
    harvest_sources::table
        .filter(
            harvest_sources::location
                .like("http://%")
                .or(harvest_sources::location.like("https://%")),
        )
        .filter(
            harvest_sources::last_attempt_at
                .is_null()
                .or(harvest_sources::last_attempt_at.lt(since)),
        )
        .order(harvest_sources::last_attempt_at.asc())
        .load(conn)
}

/// Notes a try of the source: when, and why it failed, if it did.
pub fn note_attempt(conn: &mut DbConnection, id: &str, error: Option<&str>) -> QueryResult<()> {
    diesel::update(harvest_sources::table.find(id))
        .set((
            harvest_sources::last_attempt_at.eq(Some(crate::db::now())),
            harvest_sources::last_error.eq(error.map(|e| e.chars().take(2000).collect::<String>())),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The sources of these publishers.
pub fn sources_of(
    conn: &mut DbConnection,
    publisher_ids: &[String],
) -> QueryResult<Vec<SourceRow>> {
    harvest_sources::table
        .filter(harvest_sources::publisher_id.eq_any(publisher_ids))
        .order(harvest_sources::location.asc())
        .load(conn)
}

/// The location an uploaded file is harvested under: a source of its own
/// each time (two files of the same name are two sources), unless the
/// curator picks an earlier upload to update.
pub fn upload_location(file_name: &str) -> String {
    let short: String = uuid::Uuid::new_v4()
        .simple()
        .to_string()
        .chars()
        .take(8)
        .collect();
    let name: String = file_name
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    format!("soubor:{name}#{short}")
}

pub fn source_by_id(conn: &mut DbConnection, id: &str) -> QueryResult<Option<SourceRow>> {
    harvest_sources::table.find(id).first(conn).optional()
}

/// The whole harvest for the command line: read and parse everything, then
/// write in one transaction, then bring the projection along.
pub fn run(
    conn: &mut DbConnection,
    actor: &Actor,
    location: &str,
    publisher_slug: &str,
    opts: &Options,
) -> Result<Report, HarvestError> {
    let publisher = catalog_store::publisher_by_slug(conn, publisher_slug)?
        .ok_or_else(|| HarvestError::UnknownPublisher(publisher_slug.to_string()))?;
    let doc = read(location, opts)?;
    let (triples, documents) = gather(doc, opts)?;
    apply(conn, actor, location, &publisher, &triples, documents)
}
