//! shubctl: AWS Security Hub CSPM, declared in YAML, planned and applied like Terraform.
//!
//! Data flows load → validate → expand (`spec`) → read (`provider`) → diff (`diff`) →
//! plan (`plan`) → render / apply (`plan::render`, `apply`).

// A provider error names what it concerns (a typed address), so it is larger than clippy's
// default; errors are off the hot path, and boxing them would only add indirection.
#![allow(clippy::result_large_err)]

pub mod apply;
pub mod cli;
pub mod diff;
pub mod doctor;
pub mod engine;
pub mod export;
pub mod iam;
pub mod model;
pub mod plan;
pub mod provider;
pub mod report;
pub mod spec;
