//! What a curator sends to create or change a dataset, and the checks that
//! turn it into a record: every field error at once, in the user's language
//! (as i18n keys), nothing stored until all of it is valid.

use serde::Deserialize;

use super::model::{
    Concept, DATASET_STATUSES, Dataset, DatasetRecord, Distribution, EUROVOC_PREFIX, RUIAN_PREFIX,
    terms,
};
use super::seed::valid_slug;
use super::{datasets, store};
use crate::auth::CurrentUser;
use crate::db::DbConnection;
use crate::dcat::Projection;
use crate::error::{AppError, FieldError};

#[derive(Deserialize, Debug, Clone)]
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
}

/// Bounding box in WGS 84 degrees.
#[derive(Deserialize, Debug, Clone, Copy)]
#[serde(deny_unknown_fields)]
pub struct BboxInput {
    pub west: f64,
    pub south: f64,
    pub east: f64,
    pub north: f64,
}

impl BboxInput {
    fn valid(&self) -> bool {
        valid_bbox([self.west, self.south, self.east, self.north])
    }
}

/// West, south, east, north in WGS 84 degrees: west below east and south
/// below north, within the globe (a city's data never crosses the
/// antimeridian). NaN, a form's unreadable number, fails every comparison.
pub fn valid_bbox([west, south, east, north]: [f64; 4]) -> bool {
    (-180.0..=180.0).contains(&west)
        && (-180.0..=180.0).contains(&east)
        && (-90.0..=90.0).contains(&south)
        && (-90.0..=90.0).contains(&north)
        && west < east
        && south < north
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
    if !valid_slug(input.slug.trim()) || input.slug.trim() == "new" {
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
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(DatasetRecord {
        dataset: Dataset {
            id: crate::db::new_id(),
            slug: input.slug.trim().to_string(),
            publisher_id: publisher_id.unwrap_or_default().to_string(),
            status: DATASET_STATUSES[0].to_string(),
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
    })
}

/// The HTML form of a dataset (keywords comma-separated, themes as a
/// checkbox group); distributions have their own form.
#[derive(Deserialize, Debug, Clone, Default, serde::Serialize)]
pub struct DatasetForm {
    #[serde(default, skip_serializing)]
    pub csrf_token: String,
    #[serde(default)]
    pub slug: String,
    #[serde(default)]
    pub publisher: String,
    #[serde(default)]
    pub title_cs: String,
    #[serde(default)]
    pub title_en: String,
    #[serde(default)]
    pub description_cs: String,
    #[serde(default)]
    pub description_en: String,
    #[serde(default)]
    pub themes: Vec<String>,
    #[serde(default)]
    pub frequency: String,
    #[serde(default)]
    pub spatial: String,
    #[serde(default)]
    pub keywords_cs: String,
    #[serde(default)]
    pub keywords_en: String,
    #[serde(default)]
    pub temporal_start: String,
    #[serde(default)]
    pub temporal_end: String,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_email: String,
    #[serde(default)]
    pub documentation_url: String,
    #[serde(default)]
    pub eurovoc: Vec<String>,
    #[serde(default)]
    pub conforms_to: String,
    #[serde(default)]
    pub bbox_west: String,
    #[serde(default)]
    pub bbox_south: String,
    #[serde(default)]
    pub bbox_east: String,
    #[serde(default)]
    pub bbox_north: String,
}

fn some(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|v| !v.is_empty())
}

fn split_keywords(s: &str) -> Vec<String> {
    s.split(',')
        .map(|k| k.trim().to_string())
        .filter(|k| !k.is_empty())
        .collect()
}

impl DatasetForm {
    pub fn to_input(&self, distributions: Vec<DistributionInput>) -> DatasetInput {
        DatasetInput {
            slug: self.slug.trim().to_string(),
            publisher: self.publisher.trim().to_string(),
            title_cs: self.title_cs.clone(),
            title_en: some(&self.title_en),
            description_cs: self.description_cs.clone(),
            description_en: some(&self.description_en),
            themes: self.themes.clone(),
            frequency: self.frequency.clone(),
            spatial: self.spatial.trim().to_string(),
            keywords_cs: split_keywords(&self.keywords_cs),
            keywords_en: split_keywords(&self.keywords_en),
            temporal_start: some(&self.temporal_start),
            temporal_end: some(&self.temporal_end),
            contact_name: some(&self.contact_name),
            contact_email: some(&self.contact_email),
            documentation_url: some(&self.documentation_url),
            eurovoc: self.eurovoc.clone(),
            conforms_to: some(&self.conforms_to),
            bbox: self.bbox(),
            distributions,
        }
    }

    /// No box when all four fields are empty; a number that does not read
    /// (or a missing one) becomes NaN, which validation reports.
    fn bbox(&self) -> Option<BboxInput> {
        let sides = [
            &self.bbox_west,
            &self.bbox_south,
            &self.bbox_east,
            &self.bbox_north,
        ];
        if sides.iter().all(|s| s.trim().is_empty()) {
            return None;
        }
        let n = |s: &str| {
            s.trim()
                .replace(',', ".")
                .parse::<f64>()
                .unwrap_or(f64::NAN)
        };
        Some(BboxInput {
            west: n(&self.bbox_west),
            south: n(&self.bbox_south),
            east: n(&self.bbox_east),
            north: n(&self.bbox_north),
        })
    }

    /// The form filled with a stored record, for editing.
    pub fn from_record(rec: &DatasetRecord, publisher_slug: &str) -> DatasetForm {
        let d = &rec.dataset;
        DatasetForm {
            csrf_token: String::new(),
            slug: d.slug.clone(),
            publisher: publisher_slug.to_string(),
            title_cs: d.title_cs.clone(),
            title_en: d.title_en.clone().unwrap_or_default(),
            description_cs: d.description_cs.clone(),
            description_en: d.description_en.clone().unwrap_or_default(),
            themes: rec
                .themes
                .iter()
                .filter(|t| !t.starts_with(EUROVOC_PREFIX))
                .cloned()
                .collect(),
            eurovoc: rec
                .themes
                .iter()
                .filter(|t| t.starts_with(EUROVOC_PREFIX))
                .cloned()
                .collect(),
            conforms_to: d.conforms_to.clone().unwrap_or_default(),
            bbox_west: d.bbox_west.map(|v| v.to_string()).unwrap_or_default(),
            bbox_south: d.bbox_south.map(|v| v.to_string()).unwrap_or_default(),
            bbox_east: d.bbox_east.map(|v| v.to_string()).unwrap_or_default(),
            bbox_north: d.bbox_north.map(|v| v.to_string()).unwrap_or_default(),
            frequency: d.frequency_iri.clone(),
            spatial: d.spatial_iri.clone(),
            keywords_cs: rec.keywords_cs.join(", "),
            keywords_en: rec.keywords_en.join(", "),
            temporal_start: d.temporal_start.clone().unwrap_or_default(),
            temporal_end: d.temporal_end.clone().unwrap_or_default(),
            contact_name: d.contact_name.clone().unwrap_or_default(),
            contact_email: d.contact_email.clone().unwrap_or_default(),
            documentation_url: d.documentation_url.clone().unwrap_or_default(),
        }
    }
}

/// A stored distribution as input again, so an edit re-validates everything.
pub fn distribution_input(d: &Distribution) -> DistributionInput {
    DistributionInput {
        id: Some(d.id.clone()),
        title_cs: d.title_cs.clone(),
        title_en: d.title_en.clone(),
        download_url: d.download_url.clone(),
        access_url: Some(d.access_url.clone()),
        format: d.format_iri.clone(),
        media_type: Some(d.media_type.clone()),
        byte_size: d.byte_size,
        licence: d.licence_iri.clone(),
        terms: TermsInput {
            author_work: d.tou_author_work.clone(),
            db_author_work: d.tou_db_author_work.clone(),
            db_sui_generis: d.tou_db_sui_generis.clone(),
            personal_data: d.tou_personal_data.clone(),
        },
        conforms_to: d.conforms_to.clone(),
        service_endpoint_url: d.service_endpoint_url.clone(),
        service_description_url: d.service_description_url.clone(),
        service_conforms_to: d.service_conforms_to.clone(),
    }
}

/// The HTML form of one distribution.
#[derive(Deserialize, Debug, Clone, Default, serde::Serialize)]
pub struct DistributionForm {
    #[serde(default, skip_serializing)]
    pub csrf_token: String,
    #[serde(default)]
    pub title_cs: String,
    #[serde(default)]
    pub title_en: String,
    #[serde(default)]
    pub download_url: String,
    #[serde(default)]
    pub format: String,
    #[serde(default)]
    pub byte_size: String,
    #[serde(default)]
    pub licence: String,
    #[serde(default)]
    pub author_work: String,
    #[serde(default)]
    pub db_author_work: String,
    #[serde(default)]
    pub db_sui_generis: String,
    #[serde(default)]
    pub personal_data: String,
    #[serde(default)]
    pub conforms_to: String,
    #[serde(default)]
    pub service_endpoint_url: String,
    #[serde(default)]
    pub service_description_url: String,
    #[serde(default)]
    pub service_conforms_to: String,
}

impl DistributionForm {
    /// The form filled with a stored distribution, for editing it.
    pub fn from_distribution(d: &Distribution) -> DistributionForm {
        DistributionForm {
            csrf_token: String::new(),
            title_cs: d.title_cs.clone(),
            title_en: d.title_en.clone().unwrap_or_default(),
            download_url: d.download_url.clone().unwrap_or_default(),
            format: d.format_iri.clone(),
            byte_size: d.byte_size.map(|b| b.to_string()).unwrap_or_default(),
            licence: d.licence_iri.clone().unwrap_or_default(),
            author_work: d.tou_author_work.clone(),
            db_author_work: d.tou_db_author_work.clone(),
            db_sui_generis: d.tou_db_sui_generis.clone(),
            personal_data: d.tou_personal_data.clone(),
            conforms_to: d.conforms_to.clone().unwrap_or_default(),
            service_endpoint_url: d.service_endpoint_url.clone().unwrap_or_default(),
            service_description_url: d.service_description_url.clone().unwrap_or_default(),
            service_conforms_to: d.service_conforms_to.clone().unwrap_or_default(),
        }
    }

    /// `Err` names the field whose text is not a number.
    pub fn to_input(&self) -> Result<DistributionInput, FieldError> {
        let byte_size = match self.byte_size.trim() {
            "" => None,
            n => Some(
                n.parse::<i64>()
                    .map_err(|_| FieldError::new("byte_size", "number_invalid"))?,
            ),
        };
        Ok(DistributionInput {
            id: None,
            title_cs: self.title_cs.clone(),
            title_en: some(&self.title_en),
            download_url: some(&self.download_url),
            access_url: None,
            format: self.format.clone(),
            media_type: None,
            byte_size,
            licence: some(&self.licence),
            terms: TermsInput {
                author_work: self.author_work.clone(),
                db_author_work: self.db_author_work.clone(),
                db_sui_generis: self.db_sui_generis.clone(),
                personal_data: self.personal_data.clone(),
            },
            conforms_to: some(&self.conforms_to),
            service_endpoint_url: some(&self.service_endpoint_url),
            service_description_url: some(&self.service_description_url),
            service_conforms_to: some(&self.service_conforms_to),
        })
    }
}

/// The one write path for a curator's dataset, for the forms and the API
/// alike, in one transaction with its audit row: the right to act for the
/// publisher (old and new), the slug (free when creating, existing when
/// editing), every field; an edit keeps the status and the example mark.
/// `Ok(Err(errors))` are field errors; nothing was stored.
pub fn save(
    conn: &mut DbConnection,
    rdf: &Projection,
    user: &CurrentUser,
    input: &DatasetInput,
    creating: bool,
) -> Result<Result<String, Vec<FieldError>>, AppError> {
    let actor = user.actor();
    let saved = crate::audit::write_tx(conn, |c| {
        let publisher = store::publisher_by_slug(c, input.publisher.trim())?;
        if let Some(p) = &publisher
            && !datasets::can_act_for(c, user, &p.id)?
        {
            return Err(AppError::Forbidden);
        }
        let existing = datasets::record_by_slug(c, input.slug.trim())?;
        match (&existing, creating) {
            (Some(_), true) => {
                return Ok(Err(vec![FieldError::new("slug", "dataset_slug_taken")]));
            }
            (Some(old), false) if !datasets::can_act_for(c, user, &old.dataset.publisher_id)? => {
                return Err(AppError::Forbidden);
            }
            (None, false) => return Err(AppError::NotFound),
            _ => {}
        }
        let concepts = store::concepts(c, None)?;
        let mut rec = match validate(input, publisher.as_ref().map(|p| p.id.as_str()), &concepts) {
            Ok(rec) => rec,
            Err(errors) => return Ok(Err(errors)),
        };
        if let Some(old) = existing {
            rec.dataset.status = old.dataset.status;
            rec.dataset.withdrawn_reason = old.dataset.withdrawn_reason;
            rec.dataset.is_example = old.dataset.is_example;
            rec.dataset.origin_iri = old.dataset.origin_iri;
            rec.dataset.harvest_source_id = old.dataset.harvest_source_id;
        }
        datasets::save_record(c, &actor, &rec)?;
        Ok(Ok(rec.dataset.slug))
    })?;
    follow(conn, rdf);
    Ok(saved)
}

/// Brings the RDF projection up to the write just committed, in the same
/// request. The write stands whatever happens here: a failure is logged and
/// the next RDF request catches up.
fn follow(conn: &mut DbConnection, rdf: &Projection) {
    if let Err(e) = rdf.catch_up(conn) {
        log::error!("RDF projection did not follow a catalog write: {e}");
    }
}

/// A dataset the user may change, whatever its status.
pub fn editable(
    conn: &mut DbConnection,
    user: &CurrentUser,
    slug: &str,
) -> Result<DatasetRecord, AppError> {
    let rec = datasets::record_by_slug(conn, slug)?.ok_or(AppError::NotFound)?;
    if !datasets::can_act_for(conn, user, &rec.dataset.publisher_id)? {
        return Err(AppError::Forbidden);
    }
    Ok(rec)
}

/// Publishes or withdraws (a withdrawal carries its reason), with its audit
/// row, for the forms and the API alike.
pub fn set_status(
    conn: &mut DbConnection,
    rdf: &Projection,
    user: &CurrentUser,
    slug: &str,
    status: &str,
    reason: Option<String>,
) -> Result<DatasetRecord, AppError> {
    if status == "withdrawn" && reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
        return Err(AppError::Validation(vec![FieldError::new(
            "reason",
            "field_required",
        )]));
    }
    let actor = user.actor();
    let saved = crate::audit::write_tx(conn, |c| {
        let mut rec = editable(c, user, slug)?;
        rec.dataset.status = status.to_string();
        rec.dataset.withdrawn_reason = reason.map(|r| r.trim().to_string());
        datasets::save_record(c, &actor, &rec)?;
        datasets::record_by_slug(c, slug)?.ok_or(AppError::NotFound)
    })?;
    follow(conn, rdf);
    Ok(saved)
}
