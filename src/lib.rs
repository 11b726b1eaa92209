//! shubctl: AWS Security Hub CSPM, declared in YAML, planned and applied like Terraform.
//!
//! Data flows load → validate → expand (`spec`) → read (`provider`) → diff (`diff`) →
//! plan (`plan`) → render / apply (`plan::render`, `apply`).

pub mod apply;
pub mod cli;
pub mod diff;
pub mod engine;
pub mod model;
pub mod plan;
pub mod provider;
pub mod spec;
