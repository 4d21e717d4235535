use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::{catalog_record, publishers, vocab_concepts};
use crate::lifecycle::{Lifecycle, Step};

/// The kinds of publisher chapter 2.1.1 of the strategy names.
pub const PUBLISHER_KINDS: [&str; 5] = [
    "city",
    "contributory_organisation",
    "company",
    "organisational_unit",
    "municipality",
];

pub const VOCAB_SCHEMES: [&str; 6] = [
    "theme",
    "eurovoc",
    "file_type",
    "frequency",
    "licence",
    "place",
];

/// EuroVoc concepts are `dcat:theme` values beside the EU data themes.
pub const EUROVOC_PREFIX: &str = "http://eurovoc.europa.eu/";

#[derive(
    Serialize, Deserialize, Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset,
)]
#[diesel(table_name = publishers, treat_none_as_null = true)]
pub struct Publisher {
    pub id: String,
    pub slug: String,
    pub name_cs: String,
    pub name_en: Option<String>,
    pub kind: String,
    pub ico: Option<String>,
    pub rpp_iri: Option<String>,
    pub homepage: Option<String>,
    pub email: Option<String>,
    pub position: i32,
}

#[derive(
    Serialize, Deserialize, Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset,
)]
#[diesel(table_name = catalog_record, treat_none_as_null = true)]
pub struct CatalogRecord {
    pub title_cs: String,
    pub title_en: Option<String>,
    pub description_cs: String,
    pub description_en: Option<String>,
    pub homepage: Option<String>,
    pub contact_email: Option<String>,
    pub publisher_id: String,
}

#[derive(
    Serialize, Deserialize, Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset,
)]
#[diesel(table_name = vocab_concepts, treat_none_as_null = true)]
pub struct Concept {
    pub iri: String,
    pub scheme: String,
    pub code: String,
    pub label_cs: String,
    pub label_en: String,
    pub media_type: Option<String>,
    pub position: i32,
}

/// A dataset on the home page's list of what changed lately.
#[derive(Serialize, Debug, Clone, Default)]
pub struct RecentDataset {
    pub slug: String,
    pub title_cs: String,
    pub title_en: Option<String>,
    /// When it changed (UTC).
    pub changed_at: chrono::NaiveDateTime,
}

/// The catalog at a glance (the home page shows it).
#[derive(Serialize, Debug, Clone, Default)]
pub struct CatalogSummary {
    pub title_cs: String,
    pub title_en: Option<String>,
    pub publishers: i64,
    /// Published datasets.
    pub datasets: i64,
    /// The most recently changed published datasets, newest first.
    pub recent: Vec<RecentDataset>,
    /// The EU data themes with their published datasets, most first.
    pub themes: Vec<FacetValue>,
}

/// Where a dataset is in its life: a draft only its curators see, published
/// (in every list, document and harvest), or withdrawn (its URL answers 410
/// with the reason). See `DATASET_LIFECYCLE` for the moves.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum DatasetStatus {
    Draft,
    Published,
    Withdrawn,
}
crate::text_state!(DatasetStatus {
    Draft => "draft",
    Published => "published",
    Withdrawn => "withdrawn",
});

const CURATORS: &[crate::auth::Role] = &[crate::auth::Role::Admin, crate::auth::Role::Curator];

/// The catalog's moves. A draft that was never published is deleted
/// instead of withdrawn (`service::delete_draft`): there is nothing public
/// to explain.
pub const DATASET_LIFECYCLE: Lifecycle<DatasetStatus> = Lifecycle {
    steps: &[
        Step {
            from: DatasetStatus::Draft,
            to: DatasetStatus::Published,
            roles: CURATORS,
            needs_reason: false,
        },
        Step {
            from: DatasetStatus::Published,
            to: DatasetStatus::Withdrawn,
            roles: CURATORS,
            needs_reason: true,
        },
        Step {
            from: DatasetStatus::Withdrawn,
            to: DatasetStatus::Published,
            roles: CURATORS,
            needs_reason: false,
        },
    ],
};

/// A dataset's address: lowercase ASCII letters, digits and inner hyphens,
/// at most 100 bytes. It is part of the dataset's IRI, so it never changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    pub fn parse(s: &str) -> Option<Slug> {
        let ok = !s.is_empty()
            && s.len() <= 100
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-');
        ok.then(|| Slug(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A slug made of a title: Czech letters without their diacritics,
    /// lower case, words joined by hyphens, at most 80 characters (cut at a
    /// word). `None` when nothing of it is left (a title of symbols only).
    pub fn from_title(title: &str) -> Option<Slug> {
        let mut out = String::new();
        for c in title.chars().flat_map(fold) {
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_lowercase());
            } else if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
        }
        let mut out = out.trim_matches('-').to_string();
        if out.len() > 80 {
            let cut = out[..80].rfind('-').unwrap_or(80);
            out.truncate(cut);
        }
        Slug::parse(&out)
    }
}

/// Czech (and German) letters without their diacritics, for slugs.
pub fn fold(c: char) -> Vec<char> {
    const FROM: &str = "áčďéěíňóřšťúůýžÁČĎÉĚÍŇÓŘŠŤÚŮÝŽäöüÄÖÜ";
    const TO: &str = "acdeeinorstuuyzACDEEINORSTUUYZaouAOU";
    match FROM.chars().position(|x| x == c) {
        Some(i) => TO.chars().nth(i).into_iter().collect(),
        None => vec![c],
    }
}

/// A bounding box in WGS 84 degrees: west below east and south below north,
/// within the globe (a city's data never crosses the antimeridian). NaN, a
/// form's unreadable number, fails every comparison.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bbox([f64; 4]);

impl Bbox {
    pub fn new([west, south, east, north]: [f64; 4]) -> Option<Bbox> {
        let ok = (-180.0..=180.0).contains(&west)
            && (-180.0..=180.0).contains(&east)
            && (-90.0..=90.0).contains(&south)
            && (-90.0..=90.0).contains(&north)
            && west < east
            && south < north;
        ok.then_some(Bbox([west, south, east, north]))
    }

    /// West, south, east, north.
    pub fn sides(self) -> [f64; 4] {
        self.0
    }
}

/// DCAT-AP-CZ terms of use (`pu:` = https://data.gov.cz/slovník/podmínky-užití/):
/// each of the four answers is a licence IRI or one of these fixed IRIs.
pub mod terms {
    pub const NO_AUTHOR_WORK: &str = "https://data.gov.cz/podmínky-užití/neobsahuje-autorská-díla/";
    pub const NOT_AUTHOR_DATABASE: &str =
        "https://data.gov.cz/podmínky-užití/není-autorskoprávně-chráněnou-databází/";
    pub const NO_SUI_GENERIS: &str =
        "https://data.gov.cz/podmínky-užití/není-chráněna-zvláštním-právem-pořizovatele-databáze/";
    pub const NO_PERSONAL_DATA: &str =
        "https://data.gov.cz/podmínky-užití/neobsahuje-osobní-údaje/";
    pub const PERSONAL_DATA: &str = "https://data.gov.cz/podmínky-užití/obsahuje-osobní-údaje/";
}

pub const RUIAN_PREFIX: &str = "https://linked.cuzk.cz/resource/ruian/";

#[derive(
    Serialize, Deserialize, Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset,
)]
#[diesel(table_name = crate::db::schema::datasets, treat_none_as_null = true)]
pub struct Dataset {
    pub id: String,
    pub slug: String,
    pub publisher_id: String,
    pub status: DatasetStatus,
    pub title_cs: String,
    pub title_en: Option<String>,
    pub description_cs: String,
    pub description_en: Option<String>,
    pub frequency_iri: String,
    /// RÚIAN territory the data covers (DCAT-AP-CZ `prvek_rúian`).
    pub spatial_iri: String,
    /// ISO dates of the temporal coverage.
    pub temporal_start: Option<String>,
    pub temporal_end: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub documentation_url: Option<String>,
    /// Seed content that shows what the catalog will hold, not real data yet.
    pub is_example: bool,
    pub withdrawn_reason: Option<String>,
    /// First publication (`dct:issued`); kept through withdrawal.
    pub published_at: Option<chrono::NaiveDateTime>,
    /// The dataset's IRI in the catalog it was harvested from.
    pub origin_iri: Option<String>,
    pub harvest_source_id: Option<String>,
    /// The specification the data conforms to (`dct:conformsTo`).
    pub conforms_to: Option<String>,
    /// Bounding box in WGS 84 degrees (`dcat:bbox`): all four or none.
    pub bbox_west: Option<f64>,
    pub bbox_south: Option<f64>,
    pub bbox_east: Option<f64>,
    pub bbox_north: Option<f64>,
}

impl Dataset {
    /// Whether it has ever been out in public: its history is public from
    /// the first publication on.
    pub fn was_published(&self) -> bool {
        self.published_at.is_some() || self.status != DatasetStatus::Draft
    }

    /// Kept up to date by a harvest of another catalog, and so read-only
    /// here (`service::editable`).
    pub fn is_harvested(&self) -> bool {
        self.harvest_source_id.is_some()
    }

    /// The bounding box as west, south, east, north, when it has one.
    pub fn bbox(&self) -> Option<[f64; 4]> {
        Some([
            self.bbox_west?,
            self.bbox_south?,
            self.bbox_east?,
            self.bbox_north?,
        ])
    }
}

#[derive(
    Serialize, Deserialize, Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset,
)]
#[diesel(table_name = crate::db::schema::distributions, treat_none_as_null = true)]
pub struct Distribution {
    pub id: String,
    pub dataset_id: String,
    pub position: i32,
    pub title_cs: String,
    pub title_en: Option<String>,
    pub download_url: Option<String>,
    pub access_url: String,
    /// IANA media type, e.g. `text/csv`.
    pub media_type: String,
    pub format_iri: String,
    pub byte_size: Option<i64>,
    pub licence_iri: Option<String>,
    pub tou_author_work: String,
    pub tou_db_author_work: String,
    pub tou_db_sui_generis: String,
    pub tou_personal_data: String,
    /// The schema the file follows (`dct:conformsTo`, DCAT-AP-CZ `schéma`).
    pub conforms_to: Option<String>,
    /// Set when the distribution is a data service (an API), not a file:
    /// its endpoint (`dcat:endpointURL`), the endpoint's description and
    /// the specification the service implements.
    pub service_endpoint_url: Option<String>,
    pub service_description_url: Option<String>,
    pub service_conforms_to: Option<String>,
    /// What manages it (`file`, `gis`, `sensor`, `strategy`): the system
    /// made it and only that feature's own action changes or removes it.
    /// `None`: a link the curator typed, edited by the dataset's forms and
    /// API.
    #[serde(default)]
    pub managed_by: Option<String>,
    /// The SHA-256 of a file the portal stores (`spdx:checksum`), in
    /// lower-case hex; `None` for a link.
    #[serde(default)]
    pub checksum_sha256: Option<String>,
}

/// What manages a stored file the seed brought as an example: it stays
/// example data (and its dataset an example) until a curator stores real
/// data.
pub const EXAMPLE_FILE: &str = "file:example";
/// How any feature marks what it manages as the seed's example.
pub const EXAMPLE_SUFFIX: &str = ":example";

/// OGC SensorThings API 1.1 (Part 1: Sensing), as a data service's
/// `dct:conformsTo`: the dataset page offers its stations' data view.
pub const SENSORTHINGS_STANDARD: &str = "https://docs.ogc.org/is/18-088/18-088.html";

impl Distribution {
    pub fn is_managed(&self) -> bool {
        self.managed_by.is_some()
    }

    /// A file of example data, made for the seed (not the publisher's):
    /// what manages it says so (`file:example`, `gis:example`).
    pub fn is_example_data(&self) -> bool {
        self.managed_by
            .as_deref()
            .is_some_and(|m| m.ends_with(EXAMPLE_SUFFIX))
    }
}

/// A dataset with everything that hangs off it: what is stored, audited and
/// published as one unit.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct DatasetRecord {
    #[serde(flatten)]
    pub dataset: Dataset,
    pub themes: Vec<String>,
    pub keywords_cs: Vec<String>,
    pub keywords_en: Vec<String>,
    pub distributions: Vec<Distribution>,
}

impl DatasetRecord {
    /// The vocabulary IRIs its page names (for their labels).
    pub fn vocabulary_iris(&self) -> Vec<&str> {
        let mut iris: Vec<&str> = self.themes.iter().map(String::as_str).collect();
        iris.push(&self.dataset.frequency_iri);
        iris.push(&self.dataset.spatial_iri);
        for d in &self.distributions {
            iris.push(&d.format_iri);
            iris.extend(d.licence_iri.as_deref());
        }
        // Files of one dataset share formats and licences.
        iris.sort_unstable();
        iris.dedup();
        iris
    }
}

/// What the list of datasets can be narrowed by; every value is optional.
#[derive(Serialize, Deserialize, Debug, Clone, Default)]
pub struct DatasetFilter {
    pub publisher: Option<String>,
    /// An EU data theme.
    pub theme: Option<String>,
    /// A EuroVoc concept (themes too, in their own facet).
    #[serde(default)]
    pub eurovoc: Option<String>,
    pub format: Option<String>,
    pub keyword: Option<String>,
    pub licence: Option<String>,
}

/// One row of the public list.
#[derive(Serialize, Debug, Clone)]
pub struct DatasetSummary {
    pub slug: String,
    pub title_cs: String,
    pub title_en: Option<String>,
    pub description_cs: String,
    pub description_en: Option<String>,
    pub publisher: String,
    pub publisher_slug: String,
    pub formats: Vec<String>,
    pub themes: Vec<String>,
    pub is_example: bool,
}

/// A value a filter can take, with how many published datasets have it.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct FacetValue {
    pub value: String,
    pub label_cs: String,
    pub label_en: String,
    pub count: i64,
}

#[derive(Serialize, Debug, Clone, Default)]
pub struct Facets {
    pub publishers: Vec<FacetValue>,
    /// The EU data themes.
    pub themes: Vec<FacetValue>,
    /// The EuroVoc concepts.
    pub eurovoc: Vec<FacetValue>,
    pub formats: Vec<FacetValue>,
    pub licences: Vec<FacetValue>,
    pub keywords: Vec<FacetValue>,
}

#[cfg(test)]
mod tests {
    use super::Slug;

    #[test]
    fn a_slug_is_made_of_a_czech_title() {
        let s = |t: &str| Slug::from_title(t).map(|s| s.as_str().to_string());
        assert_eq!(
            s("Dětská hřiště a sportoviště").as_deref(),
            Some("detska-hriste-a-sportoviste")
        );
        assert_eq!(
            s("  Kvalita ovzduší – PM10 (µg/m³)  ").as_deref(),
            Some("kvalita-ovzdusi-pm10-g-m")
        );
        assert_eq!(s("–––"), None);
        let long = s(&"Pozemky ve vlastnictví města ".repeat(10)).unwrap_or_default();
        assert!(
            !long.is_empty() && long.len() <= 80 && !long.ends_with('-'),
            "{long}"
        );
    }
}
