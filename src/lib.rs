//! shubctl: AWS Security Hub CSPM, declared in YAML, planned and applied like Terraform.
//!
//! Data flows load → validate → expand (`spec`) → read (`provider`) → diff (`diff`) →
//! plan (`plan`) → render / apply (`plan::render`, `apply`).

pub mod model;
pub mod spec;
pub mod diff;
pub mod provider;
pub mod plan;
pub mod apply;
pub mod engine;
pub mod cli;
