//! Text that comes from AWS or a policy (a control's disabled reason, a description, a name),
//! made safe for the medium it is written in: one module per medium, used by every renderer.
//! Any member-account user can set some of these strings, so a renderer never writes one
//! without its medium's function.

pub mod html;
pub mod markdown;
pub mod text;
pub mod yaml;
