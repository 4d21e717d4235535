//! RDF serialisations and how a request picks one: by URL suffix
//! (`/catalog.ttl`) or by the Accept header on the HTML URL.

use actix_web::HttpRequest;
use actix_web::http::header;
use oxigraph::io::{JsonLdProfileSet, RdfFormat};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Turtle,
    NTriples,
    RdfXml,
    /// The DCAT-AP-CZ document: compact JSON-LD with the standard's context.
    JsonLd,
}

pub const ALL: [Format; 4] = [
    Format::Turtle,
    Format::JsonLd,
    Format::RdfXml,
    Format::NTriples,
];

impl Format {
    pub fn from_ext(ext: &str) -> Option<Format> {
        ALL.into_iter().find(|f| f.ext() == ext)
    }

    pub fn ext(self) -> &'static str {
        match self {
            Format::Turtle => "ttl",
            Format::NTriples => "nt",
            Format::RdfXml => "rdf",
            Format::JsonLd => "jsonld",
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Format::Turtle => "text/turtle",
            Format::NTriples => "application/n-triples",
            Format::RdfXml => "application/rdf+xml",
            Format::JsonLd => "application/ld+json",
        }
    }

    pub fn content_type(self) -> String {
        format!("{}; charset=utf-8", self.media_type())
    }

    /// Oxigraph's writer for this format; JSON-LD goes through it only where
    /// no DCAT-AP-CZ document shape applies (SPARQL CONSTRUCT results).
    pub fn rdf_format(self) -> RdfFormat {
        match self {
            Format::Turtle => RdfFormat::Turtle,
            Format::NTriples => RdfFormat::NTriples,
            Format::RdfXml => RdfFormat::RdfXml,
            Format::JsonLd => RdfFormat::JsonLd {
                profile: JsonLdProfileSet::empty(),
            },
        }
    }
}

/// The media types a request accepts, best first, with their q-values.
pub fn accepted(req: &HttpRequest) -> Vec<(String, f32)> {
    let Some(value) = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
    else {
        return Vec::new();
    };
    let mut ranges: Vec<(String, f32)> = value
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.split(';');
            let media = pieces.next()?.trim().to_ascii_lowercase();
            if media.is_empty() {
                return None;
            }
            let q = pieces
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            Some((media, q))
        })
        .collect();
    // Stable: among equal q-values the client's order decides.
    ranges.sort_by(|a, b| b.1.total_cmp(&a.1));
    ranges
}

/// The RDF format the client prefers, or `None` for the HTML page. A browser
/// names `text/html` first and gets the page; a harvester that sends no
/// Accept or `*/*` (NKOD sends none, lkod-validator `*/*`) gets the
/// DCAT-AP-CZ JSON-LD, since these URLs are the datasets' identifiers.
pub fn negotiate(req: &HttpRequest) -> Option<Format> {
    let ranges = accepted(req);
    if ranges.is_empty() {
        return Some(Format::JsonLd);
    }
    for (media, q) in ranges {
        if q <= 0.0 {
            continue;
        }
        if media == "text/html" || media == "application/xhtml+xml" {
            return None;
        }
        if media == "*/*" {
            return Some(Format::JsonLd);
        }
        let wanted = match media.as_str() {
            "application/json" => Some(Format::JsonLd),
            "application/xml" | "text/xml" => Some(Format::RdfXml),
            "text/plain" => Some(Format::NTriples),
            m => ALL.into_iter().find(|f| f.media_type() == m),
        };
        if let Some(f) = wanted {
            return Some(f);
        }
    }
    None
}
