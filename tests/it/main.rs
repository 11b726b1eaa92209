//! The one integration-test binary. Modules by subject.

mod cli;
mod common;
mod convergence;
mod corpus;
mod render;
