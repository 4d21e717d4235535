//! The vocabularies the DCAT-AP projection speaks, as IRI prefixes.

pub const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
pub const XSD: &str = "http://www.w3.org/2001/XMLSchema#";
pub const DCAT: &str = "http://www.w3.org/ns/dcat#";
pub const DCT: &str = "http://purl.org/dc/terms/";
pub const FOAF: &str = "http://xmlns.com/foaf/0.1/";
pub const VCARD: &str = "http://www.w3.org/2006/vcard/ns#";
pub const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";
pub const HYDRA: &str = "http://www.w3.org/ns/hydra/core#";
pub const GSP: &str = "http://www.opengis.net/ont/geosparql#";
pub const SPDX: &str = "http://spdx.org/rdf/terms#";
/// The RDF Data Cube vocabulary and the SDMX components it is used with
/// (the strategies' KPI values).
pub const QB: &str = "http://purl.org/linked-data/cube#";
pub const SDMX_DIMENSION: &str = "http://purl.org/linked-data/sdmx/2009/dimension#";
pub const SDMX_MEASURE: &str = "http://purl.org/linked-data/sdmx/2009/measure#";
pub const SDMX_ATTRIBUTE: &str = "http://purl.org/linked-data/sdmx/2009/attribute#";
/// DCAT-AP-CZ terms of use ("podmínky užití").
pub const PU: &str = "https://data.gov.cz/slovník/podmínky-užití/";
/// Where the projection's media type IRIs point, as DCAT-AP-CZ requires.
pub const IANA_MEDIA_TYPES: &str = "http://www.iana.org/assignments/media-types/";

/// Prefixes for Turtle and RDF/XML output, so documents read like the
/// standard's examples.
pub const PREFIXES: [(&str, &str); 16] = [
    ("rdf", RDF),
    ("xsd", XSD),
    ("dcat", DCAT),
    ("dct", DCT),
    ("foaf", FOAF),
    ("vcard", VCARD),
    ("skos", SKOS),
    ("hydra", HYDRA),
    ("pu", PU),
    ("gsp", GSP),
    ("spdx", SPDX),
    ("adms", "http://www.w3.org/ns/adms#"),
    ("qb", QB),
    ("sdmx-dimension", SDMX_DIMENSION),
    ("sdmx-measure", SDMX_MEASURE),
    ("sdmx-attribute", SDMX_ATTRIBUTE),
];
