//! The emulator through the real AWS SDK for Rust clients.

mod analyzer;
mod common;
mod guardduty;
mod inspector;
mod macie;
mod hub;
mod infra;
mod org;
mod orgs_sts;
mod resources;
mod snapshot;
