//! What a curator sends to create or change a dataset, and the checks that
//! turn it into a record: every field error at once, in the user's language
//! (as i18n keys), nothing stored until all of it is valid.
//!
//! `check_record` is the one set of rules every record passes, however it
//! was built: by `validate` (forms and API), by the seed, by a harvest.
//! Imported records get an explicitly looser policy (`Origin::Imported`):
//! their links may be plain http, because other catalogs' are; nothing
//! else is looser.

use serde::Deserialize;

use super::model::{
    Bbox, Concept, Dataset, DatasetRecord, DatasetStatus, Distribution, RUIAN_PREFIX, Slug, terms,
};
use crate::error::FieldError;

#[derive(Deserialize, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct DatasetInput {
    pub slug: String,
    /// The publisher's slug.
    pub publisher: String,
    pub title_cs: String,
    pub title_en: Option<String>,
    pub description_cs: String,
    pub description_en: Option<String>,
    /// EU data-theme IRIs (at least one).
    #[serde(default)]
    pub themes: Vec<String>,
    /// EU frequency IRI.
    pub frequency: String,
    /// RÚIAN IRI of the territory.
    pub spatial: String,
    #[serde(default)]
    pub keywords_cs: Vec<String>,
    #[serde(default)]
    pub keywords_en: Vec<String>,
    pub temporal_start: Option<String>,
    pub temporal_end: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub documentation_url: Option<String>,
    /// EuroVoc concept IRIs from the EuroVoc vocabulary.
    #[serde(default)]
    pub eurovoc: Vec<String>,
    /// The specification the data conforms to.
    #[serde(default)]
    pub conforms_to: Option<String>,
    #[serde(default)]
    pub bbox: Option<BboxInput>,
    #[serde(default)]
    pub distributions: Vec<DistributionInput>,
    /// What `GET` adds beside these, which a client may send back as it
    /// read it: the server's values, ignored.
    #[serde(default, rename = "id")]
    pub read_id: Option<serde::de::IgnoredAny>,
    #[serde(default, rename = "status")]
    pub read_status: Option<serde::de::IgnoredAny>,
    #[serde(default, rename = "is_example")]
    pub read_is_example: Option<serde::de::IgnoredAny>,
    #[serde(default, rename = "published_at")]
    pub read_published_at: Option<serde::de::IgnoredAny>,
    #[serde(default, rename = "withdrawn_reason")]
    pub read_withdrawn_reason: Option<serde::de::IgnoredAny>,
    #[serde(default, rename = "origin_iri")]
    pub read_origin_iri: Option<serde::de::IgnoredAny>,
    #[serde(default, rename = "harvested")]
    pub read_harvested: Option<serde::de::IgnoredAny>,
}

/// Bounding box in WGS 84 degrees.
#[derive(Deserialize, Debug, Clone, Copy, Default)]
#[serde(deny_unknown_fields)]
pub struct BboxInput {
    pub west: f64,
    pub south: f64,
    pub east: f64,
    pub north: f64,
}

impl BboxInput {
    fn valid(&self) -> bool {
        Bbox::new([self.west, self.south, self.east, self.north]).is_some()
    }
}

#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct DistributionInput {
    /// An existing distribution's id keeps it (and its IRI); without one the
    /// distribution at the same position keeps its id.
    #[serde(default)]
    pub id: Option<String>,
    pub title_cs: String,
    pub title_en: Option<String>,
    pub download_url: Option<String>,
    /// Defaults to the download URL.
    pub access_url: Option<String>,
    /// EU file-type IRI.
    pub format: String,
    /// IANA media type; defaults to the one the file type implies.
    pub media_type: Option<String>,
    pub byte_size: Option<i64>,
    /// Licence IRI from the licence vocabulary.
    pub licence: Option<String>,
    pub terms: TermsInput,
    /// The schema the file follows.
    #[serde(default)]
    pub conforms_to: Option<String>,
    /// Makes the distribution a data service (an API) at this endpoint,
    /// instead of a file; the access URL defaults to it.
    #[serde(default)]
    pub service_endpoint_url: Option<String>,
    /// Where the endpoint is described (OpenAPI, WSDL, a page).
    #[serde(default)]
    pub service_description_url: Option<String>,
    /// The specification the service implements.
    #[serde(default)]
    pub service_conforms_to: Option<String>,
    /// `GET` marks a distribution the system manages (an uploaded file, a
    /// layer): sent back, it is left as it is.
    #[serde(default)]
    pub managed: bool,
    /// `GET` shows a stored file's SHA-256; it is the server's to set, and
    /// read back only so that what a client read it can send again.
    #[serde(default)]
    pub checksum: Option<String>,
}

/// DCAT-AP-CZ terms of use: each a licence IRI or the standard's "none" IRI.
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct TermsInput {
    pub author_work: String,
    pub db_author_work: String,
    pub db_sui_generis: String,
    pub personal_data: String,
}

fn blank(s: &str) -> bool {
    s.trim().is_empty()
}

fn https_url(s: &str) -> bool {
    url::Url::parse(s).is_ok_and(|u| u.scheme() == "https" && u.host().is_some())
}

fn web_url(s: &str) -> bool {
    url::Url::parse(s).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

fn iso_date(s: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

fn opt(s: &Option<String>) -> Option<String> {
    s.as_ref()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// Checks the input against the vocabularies; `publisher_id` is the resolved
/// publisher (the caller has checked that the user may act for it).
pub fn validate(
    input: &DatasetInput,
    publisher_id: Option<&str>,
    concepts: &[Concept],
) -> Result<DatasetRecord, Vec<FieldError>> {
    let mut errors = Vec::new();
    let in_scheme =
        |scheme: &str, iri: &str| concepts.iter().any(|c| c.scheme == scheme && c.iri == iri);
    let err = |errors: &mut Vec<FieldError>, field: &str, key: &str| {
        errors.push(FieldError::new(field, key))
    };

    // `new` names the form page `/datasets/new`.
    if Slug::parse(input.slug.trim()).is_none() || input.slug.trim() == "new" {
        err(&mut errors, "slug", "dataset_slug_invalid");
    }
    if publisher_id.is_none() {
        err(&mut errors, "publisher", "dataset_publisher_unknown");
    }
    if blank(&input.title_cs) {
        err(&mut errors, "title_cs", "field_required");
    }
    if blank(&input.description_cs) {
        err(&mut errors, "description_cs", "field_required");
    }
    if input.themes.is_empty() {
        err(&mut errors, "themes", "dataset_theme_required");
    } else if input.themes.iter().any(|t| !in_scheme("theme", t)) {
        err(&mut errors, "themes", "vocabulary_unknown");
    }
    if !in_scheme("frequency", &input.frequency) {
        err(&mut errors, "frequency", "vocabulary_unknown");
    }
    if !input.spatial.starts_with(RUIAN_PREFIX) || !https_url(&input.spatial) {
        err(&mut errors, "spatial", "dataset_spatial_ruian");
    }
    let keywords_cs: Vec<String> = input
        .keywords_cs
        .iter()
        .map(|k| k.trim().to_string())
        .filter(|k| !k.is_empty())
        .collect();
    if keywords_cs.is_empty() {
        err(&mut errors, "keywords_cs", "dataset_keyword_required");
    }
    let start = opt(&input.temporal_start);
    let end = opt(&input.temporal_end);
    let start_date = start.as_deref().map(iso_date);
    let end_date = end.as_deref().map(iso_date);
    if matches!(start_date, Some(None)) {
        err(&mut errors, "temporal_start", "date_invalid");
    }
    if matches!(end_date, Some(None)) {
        err(&mut errors, "temporal_end", "date_invalid");
    }
    if let (Some(Some(s)), Some(Some(e))) = (start_date, end_date)
        && e < s
    {
        err(&mut errors, "temporal_end", "date_before_start");
    }
    if let Some(email) = opt(&input.contact_email)
        && !crate::auth::store::valid_email(&email)
    {
        err(&mut errors, "contact_email", "user_email_invalid");
    }
    if let Some(doc) = opt(&input.documentation_url)
        && !web_url(&doc)
    {
        err(&mut errors, "documentation_url", "url_invalid");
    }
    if input.eurovoc.iter().any(|t| !in_scheme("eurovoc", t)) {
        err(&mut errors, "eurovoc", "vocabulary_unknown");
    }
    if let Some(spec) = opt(&input.conforms_to)
        && !web_url(&spec)
    {
        err(&mut errors, "conforms_to", "url_invalid");
    }
    if input.bbox.is_some_and(|b| !b.valid()) {
        err(&mut errors, "bbox", "bbox_invalid");
    }

    let mut distributions = Vec::new();
    for (i, d) in input.distributions.iter().enumerate() {
        let field = |name: &str| format!("distributions[{i}].{name}");
        let mut bad = |name: &str, key: &str| errors.push(FieldError::new(&field(name), key));
        if blank(&d.title_cs) {
            bad("title_cs", "field_required");
        }
        let download = opt(&d.download_url);
        if let Some(u) = &download
            && !https_url(u)
        {
            bad("download_url", "url_https");
        }
        let endpoint = opt(&d.service_endpoint_url);
        if let Some(u) = &endpoint
            && !https_url(u)
        {
            bad("service_endpoint_url", "url_https");
        }
        // DCAT-AP-CZ: a distribution is a file to download or a data
        // service, never both.
        if download.is_some() && endpoint.is_some() {
            bad("service_endpoint_url", "distribution_file_or_service");
        }
        let description = opt(&d.service_description_url);
        if let Some(u) = &description
            && !https_url(u)
        {
            bad("service_description_url", "url_https");
        }
        if description.is_some() && endpoint.is_none() {
            bad("service_endpoint_url", "field_required");
        }
        let service_spec = opt(&d.service_conforms_to);
        if let Some(u) = &service_spec
            && !web_url(u)
        {
            bad("service_conforms_to", "url_invalid");
        }
        let schema = opt(&d.conforms_to);
        if let Some(u) = &schema
            && !web_url(u)
        {
            bad("conforms_to", "url_invalid");
        }
        // The access URL defaults to the download URL or the endpoint,
        // whose errors are already reported above.
        let explicit_access = opt(&d.access_url);
        match (&explicit_access, &download, &endpoint) {
            (Some(u), _, _) if !https_url(u) => bad("access_url", "url_https"),
            (None, None, None) => bad("download_url", "distribution_url_required"),
            _ => {}
        }
        let access = explicit_access
            .or_else(|| download.clone())
            .or_else(|| endpoint.clone());
        let format = concepts
            .iter()
            .find(|c| c.scheme == "file_type" && c.iri == d.format);
        if format.is_none() {
            bad("format", "vocabulary_unknown");
        }
        let media_type = opt(&d.media_type).or_else(|| format.and_then(|f| f.media_type.clone()));
        if media_type.as_deref().is_none_or(|m| !m.contains('/')) {
            bad("media_type", "media_type_invalid");
        }
        if d.byte_size.is_some_and(|n| n < 0) {
            bad("byte_size", "number_negative");
        }
        if let Some(l) = &d.licence
            && !in_scheme("licence", l)
        {
            bad("licence", "vocabulary_unknown");
        }
        let licence_or = |v: &str, none: &str| v == none || in_scheme("licence", v);
        if !licence_or(&d.terms.author_work, terms::NO_AUTHOR_WORK) {
            bad("terms.author_work", "terms_invalid");
        }
        if !licence_or(&d.terms.db_author_work, terms::NOT_AUTHOR_DATABASE) {
            bad("terms.db_author_work", "terms_invalid");
        }
        if !licence_or(&d.terms.db_sui_generis, terms::NO_SUI_GENERIS) {
            bad("terms.db_sui_generis", "terms_invalid");
        }
        if ![terms::NO_PERSONAL_DATA, terms::PERSONAL_DATA]
            .contains(&d.terms.personal_data.as_str())
        {
            bad("terms.personal_data", "terms_invalid");
        }
        distributions.push(Distribution {
            // `save_record` checks it against the stored ones.
            id: d.id.clone().unwrap_or_else(crate::db::new_id),
            dataset_id: String::new(),
            position: i as i32 + 1,
            title_cs: d.title_cs.trim().to_string(),
            title_en: opt(&d.title_en),
            download_url: download,
            access_url: access.unwrap_or_default(),
            media_type: media_type.unwrap_or_default(),
            format_iri: d.format.clone(),
            byte_size: d.byte_size,
            licence_iri: d.licence.clone(),
            tou_author_work: d.terms.author_work.clone(),
            tou_db_author_work: d.terms.db_author_work.clone(),
            tou_db_sui_generis: d.terms.db_sui_generis.clone(),
            tou_personal_data: d.terms.personal_data.clone(),
            conforms_to: schema,
            // The service's details mean nothing without its endpoint.
            service_description_url: endpoint.as_ref().and(description),
            service_conforms_to: endpoint.as_ref().and(service_spec),
            service_endpoint_url: endpoint,
            // The API and the forms edit the curator's own links only.
            managed_by: None,
            checksum_sha256: None,
        });
    }
    // Built even when fields are wrong, so that the rules every record
    // passes report their errors too: all of them at once.
    let rec = DatasetRecord {
        dataset: Dataset {
            id: crate::db::new_id(),
            slug: input.slug.trim().to_string(),
            publisher_id: publisher_id.unwrap_or_default().to_string(),
            status: DatasetStatus::Draft,
            title_cs: input.title_cs.trim().to_string(),
            title_en: opt(&input.title_en),
            description_cs: input.description_cs.trim().to_string(),
            description_en: opt(&input.description_en),
            frequency_iri: input.frequency.clone(),
            spatial_iri: input.spatial.clone(),
            temporal_start: start,
            temporal_end: end,
            contact_name: opt(&input.contact_name),
            contact_email: opt(&input.contact_email),
            documentation_url: opt(&input.documentation_url),
            is_example: false,
            withdrawn_reason: None,
            published_at: None,
            origin_iri: None,
            harvest_source_id: None,
            conforms_to: opt(&input.conforms_to),
            bbox_west: input.bbox.map(|b| b.west),
            bbox_south: input.bbox.map(|b| b.south),
            bbox_east: input.bbox.map(|b| b.east),
            bbox_north: input.bbox.map(|b| b.north),
        },
        themes: input.themes.iter().chain(&input.eurovoc).cloned().collect(),
        keywords_cs,
        keywords_en: input
            .keywords_en
            .iter()
            .map(|k| k.trim().to_string())
            .filter(|k| !k.is_empty())
            .collect(),
        distributions,
    };
    for e in check_record(&rec, Origin::Curator) {
        if !errors.iter().any(|x| x.field == e.field) {
            errors.push(e);
        }
    }
    if errors.is_empty() {
        Ok(rec)
    } else {
        Err(errors)
    }
}

/// Where a record comes from, and so which rules its links follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Typed by a curator (forms, API) or kept in the seed: files and
    /// services are offered over https only.
    Curator,
    /// Harvested from another catalog: its links may be plain http, which
    /// this catalog does not own and cannot upgrade. Nothing else is looser.
    Imported,
}

/// The longest values a record may hold. A title is a line, a description
/// a few pages; a dataset with more than a few hundred distributions or
/// keywords is a mistake (or an attack on the public list, which shows them).
pub mod limits {
    pub const TITLE: usize = 500;
    pub const DESCRIPTION: usize = 20_000;
    pub const NAME: usize = 300;
    pub const EMAIL: usize = 254;
    pub const URL: usize = 2_000;
    pub const SHORT: usize = 255;
    pub const KEYWORD: usize = 200;
    pub const KEYWORDS: usize = 100;
    pub const THEMES: usize = 60;
    pub const DISTRIBUTIONS: usize = 200;
}

/// The rules every record passes before it is stored, however it was built:
/// lengths and counts, link schemes (never `javascript:` or `data:`: they
/// are rendered as links and sent on to NKOD), dates, the box. Field names
/// are the API's (`distributions[2].download_url`).
pub fn check_record(rec: &DatasetRecord, origin: Origin) -> Vec<FieldError> {
    use limits::*;
    let mut errors: Vec<FieldError> = Vec::new();
    let mut bad = |field: String, key: &str| {
        if !errors.iter().any(|e| e.field == field) {
            errors.push(FieldError::new(&field, key));
        }
    };
    let long = |v: &str, max: usize| v.chars().count() > max;
    let d = &rec.dataset;
    if !d.slug.is_empty() && Slug::parse(&d.slug).is_none() {
        bad("slug".into(), "dataset_slug_invalid");
    }
    for (field, value, max) in [
        ("title_cs", Some(&d.title_cs), TITLE),
        ("title_en", d.title_en.as_ref(), TITLE),
        ("description_cs", Some(&d.description_cs), DESCRIPTION),
        ("description_en", d.description_en.as_ref(), DESCRIPTION),
        ("contact_name", d.contact_name.as_ref(), NAME),
        ("contact_email", d.contact_email.as_ref(), EMAIL),
    ] {
        if value.is_some_and(|v| long(v, max)) {
            bad(field.into(), "field_too_long");
        }
    }
    if let Some(email) = &d.contact_email
        && !crate::auth::store::valid_email(email)
    {
        bad("contact_email".into(), "user_email_invalid");
    }
    // Links a reader follows: http(s) only, of a sane length.
    let web = |v: &str| !long(v, URL) && web_url(v);
    // Files and services: https when a curator offers them.
    let served = |v: &str| {
        !long(v, URL)
            && match origin {
                Origin::Curator => https_url(v),
                Origin::Imported => web_url(v),
            }
    };
    let served_key = match origin {
        Origin::Curator => "url_https",
        Origin::Imported => "url_invalid",
    };
    if !(d.spatial_iri.starts_with(RUIAN_PREFIX) && web(&d.spatial_iri)) {
        bad("spatial".into(), "dataset_spatial_ruian");
    }
    for (field, value) in [
        ("documentation_url", d.documentation_url.as_ref()),
        ("conforms_to", d.conforms_to.as_ref()),
        ("origin_iri", d.origin_iri.as_ref()),
    ] {
        if value.is_some_and(|v| !web(v)) {
            bad(field.into(), "url_invalid");
        }
    }
    if !web(&d.frequency_iri) {
        bad("frequency".into(), "url_invalid");
    }
    if rec.themes.len() > THEMES {
        bad("themes".into(), "too_many");
    } else if rec.themes.iter().any(|t| !web(t)) {
        bad("themes".into(), "url_invalid");
    }
    for (field, words) in [
        ("keywords_cs", &rec.keywords_cs),
        ("keywords_en", &rec.keywords_en),
    ] {
        if words.len() > KEYWORDS {
            bad(field.into(), "too_many");
        } else if words.iter().any(|k| long(k, KEYWORD)) {
            bad(field.into(), "field_too_long");
        }
    }
    for (field, value) in [
        ("temporal_start", &d.temporal_start),
        ("temporal_end", &d.temporal_end),
    ] {
        if value.as_deref().is_some_and(|v| iso_date(v).is_none()) {
            bad(field.into(), "date_invalid");
        }
    }
    let sides = [d.bbox_west, d.bbox_south, d.bbox_east, d.bbox_north];
    if sides.iter().any(Option::is_some) {
        let whole = [d.bbox_west, d.bbox_south, d.bbox_east, d.bbox_north];
        let ok = match whole {
            [Some(w), Some(s), Some(e), Some(n)] => Bbox::new([w, s, e, n]).is_some(),
            _ => false,
        };
        if !ok {
            bad("bbox".into(), "bbox_invalid");
        }
    }
    if rec.distributions.len() > DISTRIBUTIONS {
        bad("distributions".into(), "too_many");
        return errors;
    }
    for (i, x) in rec.distributions.iter().enumerate() {
        let f = |name: &str| format!("distributions[{i}].{name}");
        if long(&x.title_cs, TITLE) {
            bad(f("title_cs"), "field_too_long");
        }
        if x.title_en.as_deref().is_some_and(|t| long(t, TITLE)) {
            bad(f("title_en"), "field_too_long");
        }
        // The system's own files are served from this server's base URL,
        // which is plain http on a developer's machine.
        let served = |v: &str| {
            if x.is_managed() {
                !long(v, URL) && web_url(v)
            } else {
                served(v)
            }
        };
        for (name, value) in [
            ("download_url", x.download_url.as_ref()),
            // Usually the download URL or the endpoint again: one error.
            (
                "access_url",
                Some(&x.access_url).filter(|a| {
                    x.download_url.as_ref() != Some(*a)
                        && x.service_endpoint_url.as_ref() != Some(*a)
                }),
            ),
            ("service_endpoint_url", x.service_endpoint_url.as_ref()),
            (
                "service_description_url",
                x.service_description_url.as_ref(),
            ),
        ] {
            if value.is_some_and(|v| !served(v)) {
                bad(f(name), served_key);
            }
        }
        for (name, value) in [
            ("conforms_to", x.conforms_to.as_ref()),
            ("service_conforms_to", x.service_conforms_to.as_ref()),
            ("format", Some(&x.format_iri)),
            ("licence", x.licence_iri.as_ref()),
            ("terms.author_work", Some(&x.tou_author_work)),
            ("terms.db_author_work", Some(&x.tou_db_author_work)),
            ("terms.db_sui_generis", Some(&x.tou_db_sui_generis)),
            ("terms.personal_data", Some(&x.tou_personal_data)),
        ] {
            if value.is_some_and(|v| !web(v)) {
                bad(f(name), "url_invalid");
            }
        }
        if long(&x.media_type, SHORT) || !x.media_type.contains('/') {
            bad(f("media_type"), "media_type_invalid");
        }
        if x.byte_size.is_some_and(|n| n < 0) {
            bad(f("byte_size"), "number_negative");
        }
    }
    errors
}

/// The errors of `check_record` in Czech, for a harvest report (read by a
/// curator, in Czech like the rest of it).
pub fn describe_cs(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| {
            let what = match e.message.as_str() {
                "field_too_long" => "příliš dlouhé",
                "too_many" => "příliš mnoho hodnot",
                "url_invalid" => "není odkaz http(s)",
                "url_https" => "není odkaz https",
                "bbox_invalid" => "neplatný ohraničující obdélník",
                "date_invalid" => "neplatné datum",
                "user_email_invalid" => "neplatná e-mailová adresa",
                "dataset_spatial_ruian" => "není prvek RÚIAN",
                "media_type_invalid" => "neplatný typ souboru",
                "number_negative" => "záporné číslo",
                "dataset_slug_invalid" => "neplatný identifikátor",
                other => other,
            };
            format!("{}: {what}", e.field)
        })
        .collect::<Vec<_>>()
        .join("; ")
}
