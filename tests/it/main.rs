//! The one integration-test binary. Modules by subject.

mod aws;
mod cli;
mod common;
mod convergence;
mod corpus;
mod docs;
mod export;
mod layers;
mod render;
mod report;
