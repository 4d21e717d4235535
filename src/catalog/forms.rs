//! The HTML forms of the catalog: what a browser sends, and the conversion
//! to and from the API's input types, which carry the validation.

use serde::Deserialize;

use super::input::{BboxInput, DatasetInput, DistributionInput, TermsInput};
use super::model::{DatasetRecord, Distribution, EUROVOC_PREFIX};
use crate::error::FieldError;

/// The HTML form of a dataset (keywords comma-separated, themes as a
/// checkbox group); distributions have their own form.
#[derive(Deserialize, Debug, Clone, Default, serde::Serialize)]
pub struct DatasetForm {
    /// The version the form started from (`service::Mode::Update`).
    #[serde(default)]
    pub version: String,
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
            ..Default::default()
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
            version: String::new(),
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
        managed: d.is_managed(),
        checksum: d.checksum_sha256.clone(),
    }
}

/// The HTML form of one distribution.
#[derive(Deserialize, Debug, Clone, Default, serde::Serialize)]
pub struct DistributionForm {
    /// The version the form started from (`service::Mode::Update`).
    #[serde(default)]
    pub version: String,
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
            version: String::new(),
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
            managed: false,
            checksum: None,
        })
    }
}
