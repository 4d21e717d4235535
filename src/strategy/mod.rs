//! The city's ICT strategy: strategies, goals and their measures.
//! (Projects, KPIs, action plans and evaluations arrive with the strategy issue.)

pub mod kpi;
pub mod model;
pub mod routes;
pub mod seed;
pub mod store;

use crate::audit::registry::{ObjectKind, Publicity, Registry};

/// The strategy is public data, its history with it.
pub fn register_audit(audit: &mut Registry) {
    for name in ["strategy", "goal", "measure"] {
        audit.register(ObjectKind {
            name,
            publicity: Publicity::Public,
        });
    }
}
