//! The city's strategies: goals and their measures, the implementation
//! projects that fulfil them with their monthly status reports, and the
//! KPIs that measure them with their values. (Action plans, intents and
//! evaluations arrive with the yearly cycle.)

pub mod admin;
pub mod chart;
pub mod computed;
pub mod dashboard;
pub mod kpi;
pub mod model;
pub mod open_data;
pub mod rdf;
pub mod routes;
pub mod seed;
pub mod service;
pub mod store;
pub mod tracking;
pub mod tracking_seed;

use crate::audit::registry::{ObjectKind, Publicity, Registry};

/// The strategy, its projects and KPIs are public data, their history with
/// them; a KPI value is public once verified, a status report once
/// submitted.
pub fn register_audit(audit: &mut Registry) {
    for name in [
        "strategy",
        "goal",
        "measure",
        "project",
        "kpi",
        "reporting_period",
    ] {
        audit.register(ObjectKind {
            name,
            publicity: Publicity::Public,
        });
    }
    audit.register(ObjectKind {
        name: "measurement",
        publicity: Publicity::From(store::measurement_public_since),
    });
    audit.register(ObjectKind {
        name: "status_report",
        publicity: Publicity::From(store::report_public_since),
    });
}
