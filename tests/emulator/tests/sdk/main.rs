//! The emulator through the real AWS SDK for Rust clients.

mod common;
mod hub;
mod infra;
mod org;
mod orgs_sts;
mod resources;
mod snapshot;
