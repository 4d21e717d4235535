//! GIS layers: a curator imports a layer (GeoJSON, a zipped Shapefile, a
//! CSV with coordinates; WGS 84 or S-JTSK) once, and the portal publishes
//! it as GeoJSON and CSV distributions of its dataset, through OGC API
//! Features, and on a map.
//!
//! Reads the catalog and builds on the files domain (its storage, its
//! versions and downloads); writes a dataset only through the catalog's
//! store, inside the audited transaction of its own write path
//! (`service`).

pub mod crs;
pub mod geometry;
pub mod index;
pub mod model;
pub mod ogc;
pub mod read;
pub mod routes;
pub mod seed;
pub mod service;
pub mod store;

/// At start: removes the features of imports that never finished.
pub fn sweep(conn: &mut crate::db::DbConnection) -> anyhow::Result<usize> {
    Ok(store::sweep(conn)?)
}
