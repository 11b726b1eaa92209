//! The one typed model shared by desired and current state.

pub mod address;
pub mod kind;
pub mod resource;
pub mod state;

pub use address::{AccountId, Address};
pub use kind::{Kind, KindSet};
pub use resource::Resource;
pub use state::{OrgInfo, State};
