//! The city's ICT strategy: strategies, goals and their measures.
//! (Projects, KPIs, action plans and evaluations arrive with the strategy issue.)

pub mod model;
pub mod routes;
pub mod seed;
pub mod store;
