//! Sensors (IoT): the station registry, observations and their rollups.
//! This increment holds the storage: observations once per datastream and
//! time, the latest value of every datastream and hourly and daily
//! rollups, all maintained as a batch is stored.

pub mod input;
pub mod model;
pub mod routes;
pub mod service;
pub mod store;
