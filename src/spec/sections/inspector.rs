//! `integrations.inspector:` — the resource types Inspector scans in every scope and, in an
//! organisation, its delegated administrator and auto-enable for new accounts.

use std::collections::BTreeSet;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Section;
use super::select::{service_admin, service_members};
use crate::model::DesiredScope;
use crate::model::resource::{Empty, InspectorValue, OrgConfigValue};
use crate::model::{AccountId, Kind, Resource, Service};
use crate::spec::compose::Composed;
use crate::spec::diagnostics::{Code, Diagnostics};
use crate::spec::expand::{Expansion, OrgDesired};
use crate::spec::policy::CheckOptions;

fn default_true() -> bool {
    true
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum InspectorResourceType {
    Ec2,
    Ecr,
    Lambda,
    LambdaCode,
    /// Code repositories (Inspector's managed code repository scanning).
    CodeRepository,
}

impl InspectorResourceType {
    pub fn aws(self) -> &'static str {
        match self {
            InspectorResourceType::Ec2 => "EC2",
            InspectorResourceType::Ecr => "ECR",
            InspectorResourceType::Lambda => "LAMBDA",
            InspectorResourceType::LambdaCode => "LAMBDA_CODE",
            InspectorResourceType::CodeRepository => "CODE_REPOSITORY",
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Inspector {
    /// Resource types scanned in every account in scope; an empty list turns Inspector off.
    pub resource_types: Vec<InspectorResourceType>,
    /// Organisation: scan the same resource types in accounts that join.
    #[serde(default = "default_true")]
    pub auto_enable: bool,
}

pub const KINDS: &[Kind] = &[
    Kind::Inspector,
    Kind::InspectorMember,
    Kind::DelegatedAdmin,
    Kind::OrgConfig,
];

#[derive(Debug, Clone)]
pub struct Checked {
    /// AWS names, sorted.
    pub resource_types: Vec<String>,
    pub auto_enable: bool,
}

pub fn check(c: &Composed, _: &CheckOptions, d: &mut Diagnostics) -> Option<Checked> {
    let i = c.inspector.as_ref()?;
    let mut seen = BTreeSet::new();
    for (n, t) in i.value.resource_types.iter().enumerate() {
        if !seen.insert(t) {
            d.error(
                &c.pos(i, &format!("/resource_types/{n}")),
                Code::RepeatedResourceType,
                format!("`{}` is listed twice", t.aws().to_lowercase()),
            );
        }
    }
    let mut types: Vec<String> = i
        .value
        .resource_types
        .iter()
        .map(|t| t.aws().to_string())
        .collect();
    types.sort();
    types.dedup();
    Some(Checked {
        resource_types: types,
        auto_enable: i.value.auto_enable,
    })
}

impl Section for Checked {
    fn scope(&self, _: &Expansion<'_>, _acct: &AccountId, _r: &str, out: &mut DesiredScope) {
        out.read(Kind::Inspector);
        if !self.resource_types.is_empty() {
            out.want(
                Kind::Inspector,
                None,
                Resource::Inspector(InspectorValue {
                    resource_types: self.resource_types.clone(),
                }),
            );
        }
    }

    fn organization(&self, x: &Expansion<'_>, out: &mut OrgDesired) {
        let types = if self.auto_enable {
            self.resource_types.clone()
        } else {
            vec![]
        };
        let cfg = OrgConfigValue {
            resource_types: Some(types),
            ..Default::default()
        };
        service_admin(x, Service::Inspector, Some(cfg), out);
        if x.management.is_none() {
            return;
        }
        // The administrator enables and disables scanning only for accounts associated with
        // it; AWS associates accounts that join later (auto-enable), not those already there.
        service_members(
            x,
            Kind::InspectorMember,
            Resource::InspectorMember(Empty {}),
            out,
        );
    }
}
