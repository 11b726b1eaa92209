//! The one integration-test binary. Modules by subject.

mod aws;
mod catalog;
mod central;
mod cli;
mod common;
mod convergence;
mod corpus;
mod docs;
mod doctor;
mod export;
mod hostile;
mod iam;
mod layers;
mod render;
mod report;
mod snapshot_files;
mod truth;
mod workflows;
