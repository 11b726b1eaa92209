//! The policy file format: one file's content. These types are the single source of truth:
//! `shubctl schema` derives the JSON Schema from them, and the loader checks every file
//! against that schema before decoding, so the editor's view and the validator's can never
//! drift apart.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::sections;

macro_rules! file_type {
    (single, $ty:ty) => { $ty };
    (list, $ty:ty) => { Vec<$ty> };
}

macro_rules! define_file {
    (
        top { $( $(#[$doc:meta])* $how:ident $field:ident : $ty:ty; )* }
        integrations { $( $(#[$idoc:meta])* $ihow:ident $ifield:ident : $ity:ty; )* }
    ) => {
        /// One policy file. A folder of them composes into one policy: single-valued sections may be
        /// defined in one file only; list sections (exceptions, insights, ...) are concatenated.
        #[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        #[schemars(title = "shubctl policy file")]
        pub struct PolicyFile {
            /// Policy format version. Only `1` exists.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub shubctl: Option<u32>,
            $(
                $(#[$doc])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $field: Option<file_type!($how, $ty)>,
            )*
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub integrations: Option<Integrations>,
        }

        #[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct Integrations {
            $(
                $(#[$idoc])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $ifield: Option<file_type!($ihow, $ity)>,
            )*
        }
    };
}

sections::with_sections!(define_file);

/// The JSON Schema of a policy file, generated from these types.
pub fn json_schema() -> Value {
    serde_json::to_value(schemars::schema_for!(PolicyFile)).expect("schema serialises")
}
