//! The catalog as DCAT-AP 3.0 / DCAT-AP-CZ triples: one function per kind of
//! resource, from the database records. Every node has an IRI (DCAT-AP-CZ
//! allows no blank nodes), and every object the shapes' ranges name is typed,
//! so a harvester or a SHACL validator needs nothing beside the document.

use chrono::NaiveDateTime;
use oxigraph::model::{Literal, NamedNode, Triple};

use super::ns::{DCAT, DCT, FOAF, GSP, IANA_MEDIA_TYPES, PU, RDF, SKOS, SPDX, VCARD, XSD};
use crate::catalog::model::{CatalogRecord, Concept, DatasetRecord, Distribution, Publisher};

/// Makes the IRIs of the catalog's own resources from the public base URL,
/// never from the address the server binds to.
#[derive(Clone, Debug)]
pub struct Iris {
    base: String,
}

impl Iris {
    pub fn new(base: &str) -> Iris {
        Iris {
            base: base.trim_end_matches('/').to_string(),
        }
    }

    /// The public base URL, without a trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn catalog(&self) -> String {
        format!("{}/catalog", self.base)
    }

    pub fn dataset(&self, slug: &str) -> String {
        format!("{}/datasets/{slug}", self.base)
    }

    pub fn distribution(&self, slug: &str, id: &str) -> String {
        format!("{}/datasets/{slug}/distributions/{id}", self.base)
    }

    /// The RPP register's IRI where the publisher has one (DCAT-AP-CZ wants
    /// the authority's IRI), otherwise the publisher's page here.
    pub fn publisher(&self, p: &Publisher) -> String {
        p.rpp_iri
            .clone()
            .unwrap_or_else(|| format!("{}/publishers/{}", self.base, p.slug))
    }

    /// The terms-of-use specification node for these answers and author.
    pub fn terms_of_use(&self, d: &Distribution, author: &str) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for part in [
            d.tou_author_work.as_str(),
            d.tou_db_author_work.as_str(),
            d.tou_db_sui_generis.as_str(),
            d.tou_personal_data.as_str(),
            author,
        ] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        let digest = hex::encode(h.finalize());
        format!("{}/podmínky-užití/{}", self.base, &digest[..16])
    }
}

/// Collects triples; an IRI that does not parse (a harvested URL with a
/// space, say) drops only the triple that would carry it.
#[derive(Default)]
pub struct Triples(pub Vec<Triple>);

fn node(iri: &str) -> Option<NamedNode> {
    NamedNode::new(iri).ok()
}

fn term(prefix: &str, local: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{prefix}{local}"))
}

impl Triples {
    fn push(&mut self, s: &str, p: NamedNode, o: impl Into<oxigraph::model::Term>) {
        if let Some(s) = node(s) {
            self.0.push(Triple::new(s, p, o));
        }
    }

    pub fn a(&mut self, s: &str, prefix: &str, class: &str) {
        self.push(s, term(RDF, "type"), term(prefix, class));
    }

    pub fn iri(&mut self, s: &str, (prefix, local): (&str, &str), o: &str) {
        if let Some(o) = node(o) {
            self.push(s, term(prefix, local), o);
        }
    }

    pub fn text(&mut self, s: &str, (prefix, local): (&str, &str), value: &str, lang: &str) {
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        if let Ok(l) = Literal::new_language_tagged_literal(value, lang) {
            self.push(s, term(prefix, local), l);
        }
    }

    pub fn plain(&mut self, s: &str, (prefix, local): (&str, &str), value: &str) {
        self.push(s, term(prefix, local), Literal::new_simple_literal(value));
    }

    pub fn typed(&mut self, s: &str, (prefix, local): (&str, &str), value: &str, xsd: &str) {
        self.push(
            s,
            term(prefix, local),
            Literal::new_typed_literal(value, term(XSD, xsd)),
        );
    }

    pub fn both(&mut self, s: &str, p: (&str, &str), cs: &str, en: Option<&str>) {
        self.text(s, p, cs, "cs");
        if let Some(en) = en {
            self.text(s, p, en, "en");
        }
    }
}

fn date_time(t: &NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The catalog resource, its publishers (typed agents with names), and the
/// vocabulary concepts the datasets point to, typed as the ranges want.
pub fn catalog(
    iris: &Iris,
    record: &CatalogRecord,
    publishers: &[Publisher],
    concepts: &[Concept],
) -> Triples {
    let mut t = Triples::default();
    let cat = iris.catalog();
    t.a(&cat, DCAT, "Catalog");
    t.both(
        &cat,
        (DCT, "title"),
        &record.title_cs,
        record.title_en.as_deref(),
    );
    t.both(
        &cat,
        (DCT, "description"),
        &record.description_cs,
        record.description_en.as_deref(),
    );
    if let Some(p) = publishers.iter().find(|p| p.id == record.publisher_id) {
        t.iri(&cat, (DCT, "publisher"), &iris.publisher(p));
    }
    // The catalog is kept in Czech and English; its themes are the EU's.
    for lang in ["CES", "ENG"] {
        let l = format!("http://publications.europa.eu/resource/authority/language/{lang}");
        t.iri(&cat, (DCT, "language"), &l);
        t.a(&l, DCT, "LinguisticSystem");
    }
    let themes = "http://publications.europa.eu/resource/authority/data-theme";
    t.iri(&cat, (DCAT, "themeTaxonomy"), themes);
    t.a(themes, SKOS, "ConceptScheme");
    t.text(themes, (DCT, "title"), "Datová témata", "cs");
    t.text(themes, (DCT, "title"), "Data theme", "en");
    if let Some(home) = &record.homepage {
        t.iri(&cat, (FOAF, "homepage"), home);
        t.a(home, FOAF, "Document");
    }
    if let Some(email) = &record.contact_email {
        let contact = format!("{cat}#kontaktní-bod");
        t.iri(&cat, (DCAT, "contactPoint"), &contact);
        contact_point(&mut t, &contact, &record.title_cs, email);
    }
    // The vCard ontology's axiom, carried so that a validator with only the
    // data sees that contact points (vcard:Organization, the class
    // DCAT-AP-CZ names) are vcard:Kind, the class DCAT-AP's range names.
    t.iri(
        &format!("{VCARD}Organization"),
        ("http://www.w3.org/2000/01/rdf-schema#", "subClassOf"),
        &format!("{VCARD}Kind"),
    );
    for p in publishers {
        let iri = iris.publisher(p);
        t.a(&iri, FOAF, "Agent");
        t.both(&iri, (FOAF, "name"), &p.name_cs, p.name_en.as_deref());
        if let Some(home) = &p.homepage {
            t.iri(&iri, (FOAF, "homepage"), home);
            t.a(home, FOAF, "Document");
        }
    }
    for c in concepts {
        match c.scheme.as_str() {
            "theme" | "eurovoc" => {
                t.a(&c.iri, SKOS, "Concept");
            }
            "frequency" => {
                t.a(&c.iri, DCT, "Frequency");
                t.a(&c.iri, SKOS, "Concept");
            }
            "file_type" => {
                t.a(&c.iri, DCT, "MediaTypeOrExtent");
                t.a(&c.iri, SKOS, "Concept");
            }
            "licence" => t.a(&c.iri, DCT, "LicenseDocument"),
            // A RÚIAN element a dataset covers, named as people know it.
            "place" => t.a(&c.iri, DCT, "Location"),
            _ => continue,
        }
        t.text(&c.iri, (SKOS, "prefLabel"), &c.label_cs, "cs");
        t.text(&c.iri, (SKOS, "prefLabel"), &c.label_en, "en");
    }
    t
}

fn contact_point(t: &mut Triples, iri: &str, name: &str, email: &str) {
    // vcard:Organization is a vcard:Kind (the range DCAT-AP names) by the
    // vCard ontology; DCAT-AP-CZ's JSON-LD has a name only for Organization.
    t.a(iri, VCARD, "Organization");
    t.text(iri, (VCARD, "fn"), name, "cs");
    t.iri(iri, (VCARD, "hasEmail"), &format!("mailto:{email}"));
}

/// Everything one dataset says: the dataset, its distributions with their
/// terms of use, and the typed nodes it alone points to. The catalog's
/// `dcat:dataset` link comes too, so the dataset's graph carries it in and
/// out of the catalog with the dataset.
pub fn dataset(
    iris: &Iris,
    rec: &DatasetRecord,
    publisher: &Publisher,
    modified: &NaiveDateTime,
) -> Triples {
    let mut t = Triples::default();
    let d = &rec.dataset;
    let iri = iris.dataset(&d.slug);
    t.iri(&iris.catalog(), (DCAT, "dataset"), &iri);
    t.a(&iri, DCAT, "Dataset");
    t.both(&iri, (DCT, "title"), &d.title_cs, d.title_en.as_deref());
    t.both(
        &iri,
        (DCT, "description"),
        &d.description_cs,
        d.description_en.as_deref(),
    );
    t.plain(
        &iri,
        (DCT, "identifier"),
        d.origin_iri.as_deref().unwrap_or(&iri),
    );
    t.iri(&iri, (DCT, "publisher"), &iris.publisher(publisher));
    for theme in &rec.themes {
        t.iri(&iri, (DCAT, "theme"), theme);
    }
    t.iri(&iri, (DCT, "accrualPeriodicity"), &d.frequency_iri);
    for k in &rec.keywords_cs {
        t.text(&iri, (DCAT, "keyword"), k, "cs");
    }
    for k in &rec.keywords_en {
        t.text(&iri, (DCAT, "keyword"), k, "en");
    }
    t.iri(&iri, (DCT, "spatial"), &d.spatial_iri);
    t.a(&d.spatial_iri, DCT, "Location");
    if let Some(bbox) = d.bbox() {
        let area = format!("{iri}#ohraničení");
        t.iri(&iri, (DCT, "spatial"), &area);
        t.a(&area, DCT, "Location");
        t.push(
            &area,
            term(DCAT, "bbox"),
            Literal::new_typed_literal(bbox_wkt(bbox), term(GSP, "wktLiteral")),
        );
    }
    if let Some(spec) = &d.conforms_to {
        t.iri(&iri, (DCT, "conformsTo"), spec);
        t.a(spec, DCT, "Standard");
    }
    if d.temporal_start.is_some() || d.temporal_end.is_some() {
        let period = format!("{iri}#časové-pokrytí");
        t.iri(&iri, (DCT, "temporal"), &period);
        t.a(&period, DCT, "PeriodOfTime");
        if let Some(s) = &d.temporal_start {
            t.typed(&period, (DCAT, "startDate"), s, "date");
        }
        if let Some(e) = &d.temporal_end {
            t.typed(&period, (DCAT, "endDate"), e, "date");
        }
    }
    if let Some(email) = &d.contact_email {
        let contact = format!("{iri}#kontaktní-bod");
        t.iri(&iri, (DCAT, "contactPoint"), &contact);
        let name = d.contact_name.as_deref().unwrap_or(&publisher.name_cs);
        contact_point(&mut t, &contact, name, email);
    }
    if let Some(doc) = &d.documentation_url {
        t.iri(&iri, (FOAF, "page"), doc);
        t.a(doc, FOAF, "Document");
    }
    if let Some(issued) = &d.published_at {
        t.typed(&iri, (DCT, "issued"), &date_time(issued), "dateTime");
    }
    t.typed(&iri, (DCT, "modified"), &date_time(modified), "dateTime");
    for dist in &rec.distributions {
        let dist_iri = iris.distribution(&d.slug, &dist.id);
        t.iri(&iri, (DCAT, "distribution"), &dist_iri);
        distribution(&mut t, iris, &dist_iri, dist, &publisher.name_cs);
    }
    t
}

fn distribution(t: &mut Triples, iris: &Iris, iri: &str, d: &Distribution, author: &str) {
    t.a(iri, DCAT, "Distribution");
    t.both(iri, (DCT, "title"), &d.title_cs, d.title_en.as_deref());
    t.iri(iri, (DCAT, "accessURL"), &d.access_url);
    if let Some(url) = &d.download_url {
        t.iri(iri, (DCAT, "downloadURL"), url);
    }
    let media = format!("{IANA_MEDIA_TYPES}{}", d.media_type);
    t.iri(iri, (DCAT, "mediaType"), &media);
    t.a(&media, DCT, "MediaType");
    t.iri(iri, (DCT, "format"), &d.format_iri);
    if let Some(size) = d.byte_size {
        t.typed(
            iri,
            (DCAT, "byteSize"),
            &size.to_string(),
            "nonNegativeInteger",
        );
    }
    if let Some(sum) = &d.checksum_sha256 {
        // The checksum is the distribution's own node, as its service is.
        let node = format!("{iri}#kontrolní-součet");
        let sha256 = format!("{SPDX}checksumAlgorithm_sha256");
        t.iri(iri, (SPDX, "checksum"), &node);
        t.a(&node, SPDX, "Checksum");
        t.iri(&node, (SPDX, "algorithm"), &sha256);
        t.a(&sha256, SPDX, "ChecksumAlgorithm");
        t.typed(&node, (SPDX, "checksumValue"), sum, "hexBinary");
    }
    if let Some(licence) = &d.licence_iri {
        t.iri(iri, (DCT, "license"), licence);
    }
    if let Some(schema) = &d.conforms_to {
        t.iri(iri, (DCT, "conformsTo"), schema);
        t.a(schema, DCT, "Standard");
    }
    if let Some(endpoint) = &d.service_endpoint_url {
        // The service is the distribution's own node: it goes and comes
        // with it, and dereferences to the same document.
        let service = format!("{iri}#služba");
        t.iri(iri, (DCAT, "accessService"), &service);
        t.a(&service, DCAT, "DataService");
        t.both(&service, (DCT, "title"), &d.title_cs, d.title_en.as_deref());
        t.iri(&service, (DCAT, "endpointURL"), endpoint);
        if let Some(description) = &d.service_description_url {
            t.iri(&service, (DCAT, "endpointDescription"), description);
        }
        if let Some(spec) = &d.service_conforms_to {
            t.iri(&service, (DCT, "conformsTo"), spec);
            t.a(spec, DCT, "Standard");
        }
        if let Some(dataset) = iri.split("/distributions/").next() {
            t.iri(&service, (DCAT, "servesDataset"), dataset);
        }
    }
    // One node per distinct specification, shared by every distribution that
    // has it: the same IRI for the same four answers and author, so a large
    // catalog holds a handful of these instead of six triples per file.
    let terms = iris.terms_of_use(d, author);
    t.iri(iri, (PU, "specifikace"), &terms);
    t.a(&terms, PU, "Specifikace");
    t.iri(&terms, (PU, "autorské-dílo"), &d.tou_author_work);
    t.iri(
        &terms,
        (PU, "databáze-jako-autorské-dílo"),
        &d.tou_db_author_work,
    );
    t.iri(
        &terms,
        (PU, "databáze-chráněná-zvláštními-právy"),
        &d.tou_db_sui_generis,
    );
    t.iri(&terms, (PU, "osobní-údaje"), &d.tou_personal_data);
    // A work under a licence such as CC BY names its author; the city's
    // works are the publisher's.
    if d.tou_author_work != crate::catalog::model::terms::NO_AUTHOR_WORK {
        t.text(&terms, (PU, "autor"), author, "cs");
    }
    if d.tou_db_author_work != crate::catalog::model::terms::NOT_AUTHOR_DATABASE {
        t.text(&terms, (PU, "autor-databáze"), author, "cs");
    }
}

/// The box as a WKT polygon in WGS 84 longitude/latitude order (the
/// GeoSPARQL default CRS), as DCAT-AP recommends for `dcat:bbox`.
pub fn bbox_wkt([west, south, east, north]: [f64; 4]) -> String {
    format!(
        "POLYGON(({west} {south}, {east} {south}, {east} {north}, {west} {north}, {west} {south}))"
    )
}

/// The bounding box (west, south, east, north) of a WKT geometry's points,
/// when it has an explicit CRS it must be CRS84 or WGS 84 in lon/lat order;
/// anything else (another CRS, no numbers) gives `None`.
pub fn bbox_from_wkt(wkt: &str) -> Option<[f64; 4]> {
    let wkt = wkt.trim();
    let body = match wkt.strip_prefix('<') {
        Some(rest) => {
            let (crs, body) = rest.split_once('>')?;
            if !crs.ends_with("/CRS84") {
                return None;
            }
            body
        }
        None => wkt,
    };
    let inner = &body[body.find('(')?..];
    let numbers: Vec<f64> = inner
        .split(|c: char| c == '(' || c == ')' || c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    if numbers.len() < 2 || !numbers.len().is_multiple_of(2) {
        return None;
    }
    let (mut w, mut s, mut e, mut n) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for p in numbers.chunks(2) {
        w = w.min(p[0]);
        e = e.max(p[0]);
        s = s.min(p[1]);
        n = n.max(p[1]);
    }
    let b = [w, s, e, n];
    crate::catalog::model::Bbox::new(b).map(|b| b.sides())
}
