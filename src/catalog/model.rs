use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::{catalog_record, publishers, vocab_concepts};

/// The kinds of publisher chapter 2.1.1 of the strategy names.
pub const PUBLISHER_KINDS: [&str; 5] = [
    "city",
    "contributory_organisation",
    "company",
    "organisational_unit",
    "municipality",
];

pub const VOCAB_SCHEMES: [&str; 4] = ["theme", "file_type", "frequency", "licence"];

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

#[derive(Serialize, Debug, Clone, Default)]
pub struct HomeSummary {
    pub catalog_title_cs: String,
    pub catalog_title_en: Option<String>,
    pub publishers: i64,
    pub strategies: Vec<crate::strategy::model::StrategySummary>,
}
