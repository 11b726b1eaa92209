//! The emulator through the real AWS SDK for Rust clients.

mod account;
mod analyzer;
mod common;
mod events_lambda;
mod guardduty;
mod hub;
mod infra;
mod inspector;
mod macie;
mod org;
mod org_policies;
mod orgs_sts;
mod resources;
mod snapshot;
