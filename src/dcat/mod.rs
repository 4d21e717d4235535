//! The catalog as linked data: the DCAT-AP 3.0 / DCAT-AP-CZ projection in
//! Oxigraph, its documents and serialisations, content negotiation, the
//! SPARQL endpoint and harvesting of other catalogs.

pub mod documents;
pub mod format;
pub mod graph;
pub mod harvest;
pub mod harvesting;
pub mod jsonld;
pub mod lookup;
pub mod ns;
pub mod projection;
pub mod record;
pub mod routes;
pub mod sparql;
pub mod store;

pub use projection::Projection;
