//! The one integration-test binary. Modules by subject.

mod aws;
mod catalog;
mod central;
mod cli;
mod common;
mod contract;
mod convergence;
mod corpus;
mod docs;
mod doctor;
mod export;
mod hostile;
mod iam;
mod layers;
mod locking;
mod polish;
mod render;
mod report;
mod signals;
mod snapshot_files;
mod truth;
mod workflows;
