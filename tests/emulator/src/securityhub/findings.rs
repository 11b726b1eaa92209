//! GetFindings (API.md §1.11): the emulator keeps no findings, but pages its empty list like
//! the real one, so MaxResults and NextToken are checked.

use serde_json::Value;

use super::{paged, with_token};
use crate::http::Cx;
use crate::route::Input;
use crate::util::{Res, get_i64, get_str, object};
use crate::world::World;

pub fn get(_: &mut World, cx: &Cx, i: &Input) -> Res {
    let empty: Vec<Value> = Vec::new();
    let (items, next) = paged(
        &empty,
        get_str(&i.body, "NextToken"),
        get_i64(&i.body, "MaxResults"),
        100,
        cx,
    )?;
    Ok(with_token(object([("Findings", items.into())]), next))
}
