//! The public, versioned JSON plan: exactly the plan value (fields are only ever added).

use crate::plan::Plan;

pub fn render(plan: &Plan) -> String {
    serde_json::to_string_pretty(plan).expect("plans serialise") + "\n"
}
