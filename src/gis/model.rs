//! What a GIS layer is: one a dataset, its features stored once in WGS 84,
//! and the distributions the portal makes of it.

use diesel::prelude::*;
use serde::Serialize;

use super::read::FieldDef;

/// What manages a layer's distributions (GeoJSON, CSV, the OGC API
/// service): only a new import changes them.
pub const MANAGED_BY: &str = "gis";
/// The same for the seed's example layers.
pub const EXAMPLE: &str = "gis:example";

/// OGC API Features Part 1, as the service's `dct:conformsTo`: the
/// standard's own URI in https, since DCAT-AP-CZ takes only https
/// specifications (the conformance classes below stay in http, the form
/// OGC clients compare).
pub const OGC_STANDARD: &str = "https://www.opengis.net/spec/ogcapi-features-1/1.0";
/// The conformance classes the portal meets.
pub const OGC_CONFORMANCE: &[&str] = &[
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
];
pub const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

#[derive(Serialize, Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = crate::db::schema::gis_layers)]
pub struct Layer {
    pub id: String,
    pub dataset_id: String,
    /// The collection's id in the OGC API: the dataset's slug when the
    /// layer was first imported (public URLs never change).
    pub collection: String,
    pub version: i32,
    #[serde(skip)]
    pub feature_set: String,
    pub source_name: String,
    pub source_crs: String,
    pub feature_count: i64,
    pub bbox_west: f64,
    pub bbox_south: f64,
    pub bbox_east: f64,
    pub bbox_north: f64,
    #[serde(skip)]
    pub fields: String,
    pub time_field: Option<String>,
    pub geojson_distribution_id: String,
    pub csv_distribution_id: String,
    pub service_distribution_id: String,
    pub is_example: bool,
    pub imported_at: chrono::NaiveDateTime,
    #[serde(skip)]
    pub imported_by: Option<String>,
}

impl Layer {
    pub fn fields(&self) -> Vec<FieldDef> {
        serde_json::from_str(&self.fields).unwrap_or_default()
    }

    pub fn bbox(&self) -> [f64; 4] {
        [
            self.bbox_west,
            self.bbox_south,
            self.bbox_east,
            self.bbox_north,
        ]
    }
}
