//! The one integration-test binary. Modules by subject.

mod aws;
mod central;
mod cli;
mod common;
mod convergence;
mod corpus;
mod docs;
mod layers;
mod render;
