//! Access Analyzer's state in one account × region (API.md §5: analyzers by name, with their archive
//! rules), and its conversion from and to the snapshot's resources.

use std::collections::BTreeMap;

use serde_json::Value;
use shubctl::model::resource::AnalyzerValue;
use shubctl::model::{Kind, Resource};

use crate::world::{At, Dump, Loading};

pub struct ArchiveRule {
    /// `{key: {eq, neq, contains, exists}}` as on the wire.
    pub filter: Value,
    pub created_at: String,
    pub updated_at: String,
}

pub struct Analyzer {
    pub arn: String,
    pub analyzer_type: String,
    pub unused_access_age: Option<u32>,
    pub rules: BTreeMap<String, ArchiveRule>,
    pub created_at: String,
}

pub fn analyzer_arn(region: &str, account: &str, name: &str) -> String {
    format!(
        "arn:{}:access-analyzer:{region}:{account}:analyzer/{name}",
        crate::util::partition(region).0
    )
}

#[derive(Default)]
pub struct State {
    /// By name.
    pub analyzers: BTreeMap<String, Analyzer>,
}

impl State {
    /// Takes a snapshot resource if it is Access Analyzer's; hands it back otherwise.
    pub fn load(&mut self, res: Resource, at: &At, cx: &mut Loading) -> Option<Resource> {
        let Resource::Analyzer(a) = res else {
            return Some(res);
        };
        let stamp = cx.stamp;
        let rules = a
            .archive_rules
            .into_iter()
            .map(|(name, filter)| {
                let rule = ArchiveRule {
                    filter,
                    created_at: stamp.into(),
                    updated_at: stamp.into(),
                };
                (name, rule)
            })
            .collect();
        self.analyzers.insert(
            at.id.to_string(),
            Analyzer {
                arn: analyzer_arn(at.region, at.account, at.id),
                analyzer_type: a.analyzer_type,
                unused_access_age: a.unused_access_age,
                rules,
                created_at: stamp.into(),
            },
        );
        None
    }

    pub fn dump(&self, out: &mut Dump) {
        for (name, a) in &self.analyzers {
            out.put(
                Kind::Analyzer,
                Some(name.clone()),
                Resource::Analyzer(AnalyzerValue {
                    analyzer_type: a.analyzer_type.clone(),
                    unused_access_age: a.unused_access_age,
                    archive_rules: a
                        .rules
                        .iter()
                        .map(|(n, r)| (n.clone(), r.filter.clone()))
                        .collect(),
                }),
            );
        }
    }
}
