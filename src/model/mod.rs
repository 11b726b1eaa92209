//! The typed model shared by every stage: addresses and scopes, the kind table, resource
//! values, state, what to read, the control catalog, provider errors, and the escaping of
//! outside text for each output medium. It depends on nothing else in the crate.

pub mod address;
pub mod catalog;
pub mod change;
pub mod desired;
pub mod document;
pub mod error;
pub mod escape;
pub mod finding_fields;
pub mod health;
pub mod iam;
pub mod json_error;
pub mod kind;
pub mod live_catalog;
pub mod note;
pub mod organization;
pub mod provider;
pub mod read_plan;
pub mod resource;
pub mod rules;
pub mod scope;
pub mod service;
pub mod state;
pub mod wire;

pub use address::{AccountId, Address};
pub use change::{Action, Change};
pub use desired::DesiredScope;
pub use error::{ProviderError, Target};
pub use kind::{Kind, KindSet};
pub use note::{ExceptionRef, Note};
pub use organization::OrgInfo;
pub use read_plan::ReadPlan;
pub use resource::Resource;
pub use scope::Scope;
pub use service::Service;
pub use state::{ScopeState, State};
