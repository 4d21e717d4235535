//! Sensors (IoT): the station registry (stations with their location,
//! datastreams with their sensor and observed property, device tokens),
//! observations with their latest values and hourly and daily rollups,
//! and the SensorThings API over them.

pub mod chart;
pub mod demo;
pub mod download;
pub mod filter;
pub mod forms;
pub mod input;
pub mod model;
pub mod open_data;
pub mod routes;
pub mod seed;
pub mod service;
pub mod sta;
pub mod store;
pub mod view;

use crate::audit::registry::{ObjectKind, Publicity, Registry};

/// The registry in the audit log: stations and datastreams are public
/// (where the city measures what); device tokens are the admin's only.
pub fn register_audit(audit: &mut Registry) {
    for name in [service::THING, service::DATASTREAM] {
        audit.register(ObjectKind {
            name,
            publicity: Publicity::Public,
        });
    }
    audit.register(ObjectKind {
        name: service::TOKEN,
        publicity: Publicity::Private,
    });
}
