//! The GIS domain's queries: layers, and features by feature set.

use diesel::prelude::*;

use super::model::Layer;
use crate::db::DbConnection;
use crate::db::dialect::{self, Bind};
use crate::db::schema::{datasets, gis_features, gis_layers};

pub fn layer_of_dataset(conn: &mut DbConnection, dataset_id: &str) -> QueryResult<Option<Layer>> {
    gis_layers::table
        .filter(gis_layers::dataset_id.eq(dataset_id))
        .select(Layer::as_select())
        .first(conn)
        .optional()
}

/// What the OGC API says of a layer's dataset.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = datasets)]
pub struct About {
    pub slug: String,
    pub status: String,
    pub publisher_id: String,
    pub title_cs: String,
    pub title_en: Option<String>,
    pub description_cs: String,
    pub description_en: Option<String>,
}

/// The layers of published datasets, by collection id.
pub fn published_layers(conn: &mut DbConnection) -> QueryResult<Vec<(Layer, About)>> {
    gis_layers::table
        .inner_join(datasets::table.on(datasets::id.eq(gis_layers::dataset_id)))
        .filter(datasets::status.eq("published"))
        .order(gis_layers::collection.asc())
        .select((Layer::as_select(), About::as_select()))
        .load(conn)
}

/// A layer by its collection id, with its dataset.
pub fn collection(conn: &mut DbConnection, id: &str) -> QueryResult<Option<(Layer, About)>> {
    gis_layers::table
        .inner_join(datasets::table.on(datasets::id.eq(gis_layers::dataset_id)))
        .filter(gis_layers::collection.eq(id))
        .select((Layer::as_select(), About::as_select()))
        .first(conn)
        .optional()
}

/// Writes a layer's row: the first import inserts it, a later one moves it
/// to the new feature set.
pub fn save_layer(conn: &mut DbConnection, layer: &Layer) -> QueryResult<()> {
    let n = diesel::update(gis_layers::table.filter(gis_layers::id.eq(&layer.id)))
        .set(layer)
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(gis_layers::table)
            .values(layer)
            .execute(conn)?;
    }
    Ok(())
}

/// One feature as it is written.
pub struct FeatureRow {
    pub fid: i64,
    pub geometry: String,
    pub properties: String,
    pub bbox: [f64; 4],
    pub time: Option<i64>,
}

/// Writes features into a feature set, a few hundred a statement and one
/// transaction per 50,000, so a large layer neither holds one huge
/// transaction nor pays a commit a row.
pub fn insert_features(conn: &mut DbConnection, set: &str, rows: &[FeatureRow]) -> QueryResult<()> {
    const PER_ROW: usize = 10;
    let batch = (dialect::MAX_BINDS / PER_ROW).min(500);
    let one = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    let head = "INSERT INTO gis_features (feature_set, fid, geometry, properties, \
                min_x, min_y, max_x, max_y, time_start, time_end) VALUES ";
    for tx in rows.chunks(50_000) {
        dialect::execute(conn, "BEGIN", &[])?;
        let result = (|| {
            for chunk in tx.chunks(batch) {
                let mut binds: Vec<Bind<'_>> = Vec::with_capacity(chunk.len() * PER_ROW);
                for r in chunk {
                    binds.extend([
                        Bind::Text(Some(set)),
                        Bind::Int(Some(r.fid)),
                        Bind::Text(Some(&r.geometry)),
                        Bind::Text(Some(&r.properties)),
                        Bind::Num(Some(r.bbox[0])),
                        Bind::Num(Some(r.bbox[1])),
                        Bind::Num(Some(r.bbox[2])),
                        Bind::Num(Some(r.bbox[3])),
                        Bind::Int(r.time),
                        Bind::Int(r.time),
                    ]);
                }
                let sql = format!("{head}{}", vec![one; chunk.len()].join(", "));
                dialect::execute(conn, &sql, &binds)?;
            }
            Ok::<_, diesel::result::Error>(())
        })();
        match result {
            Ok(()) => {
                dialect::execute(conn, "COMMIT", &[])?;
            }
            Err(e) => {
                let _ = dialect::execute(conn, "ROLLBACK", &[]);
                return Err(e);
            }
        }
    }
    Ok(())
}

pub fn delete_set(conn: &mut DbConnection, set: &str) {
    if let Err(e) =
        diesel::delete(gis_features::table.filter(gis_features::feature_set.eq(set))).execute(conn)
    {
        log::warn!("removing feature set {set}: {e}");
    }
}

/// At start: the features of imports that never became a layer's.
pub fn sweep(conn: &mut DbConnection) -> QueryResult<usize> {
    let current = gis_layers::table.select(gis_layers::feature_set);
    diesel::delete(gis_features::table.filter(gis_features::feature_set.ne_all(current)))
        .execute(conn)
}

/// Every feature's box and time, for the spatial index.
pub type Envelope = (i64, f64, f64, f64, f64, Option<i64>);

pub fn envelopes(conn: &mut DbConnection, set: &str) -> QueryResult<Vec<Envelope>> {
    gis_features::table
        .filter(gis_features::feature_set.eq(set))
        .select((
            gis_features::fid,
            gis_features::min_x,
            gis_features::min_y,
            gis_features::max_x,
            gis_features::max_y,
            gis_features::time_start,
        ))
        .load(conn)
}

/// Features by number, in that order: (fid, geometry, properties).
pub fn features(
    conn: &mut DbConnection,
    set: &str,
    fids: &[i64],
) -> QueryResult<Vec<(i64, String, String)>> {
    let mut out = Vec::with_capacity(fids.len());
    for chunk in fids.chunks(5_000) {
        let rows: Vec<(i64, String, String)> = gis_features::table
            .filter(gis_features::feature_set.eq(set))
            .filter(gis_features::fid.eq_any(chunk))
            .order(gis_features::fid.asc())
            .select((
                gis_features::fid,
                gis_features::geometry,
                gis_features::properties,
            ))
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}
