//! chk (temporary module list of the model branch until the engine lands).
pub mod accounts;
pub mod config;
pub mod factory;
pub mod group;
pub mod safe_read;
pub mod user;
