//! What AWS itself says about its standards and controls in a region
//! (`DescribeStandards`, `ListSecurityControlDefinitions`), and how that is merged with a
//! catalog: whole (`shubctl catalog --refresh`) or only for the controls a policy names that
//! the catalog lacks (a live plan).

use std::collections::{BTreeMap, BTreeSet};

use super::catalog::{Catalog, ControlDef, ParameterDef, StandardDef};

/// One region's answer.
#[derive(Debug, Clone, Default)]
pub struct LiveDefinitions {
    pub region: String,
    /// `DescribeStandards`: each standard's full ARN and name (empty when not read).
    pub standards: Vec<(String, String)>,
    /// `ListSecurityControlDefinitions` without a filter.
    pub controls: Vec<LiveControl>,
    /// The standards (full ARNs) whose members were listed (`StandardsArn`): for these the
    /// `standards` of each control are AWS's word.
    pub members_read: BTreeSet<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveControl {
    pub id: String,
    pub title: String,
    /// `CurrentRegionAvailability` is `AVAILABLE`.
    pub offered: bool,
    pub parameters: BTreeMap<String, ParameterDef>,
    /// Full ARNs of the standards whose listing included it.
    pub standards: BTreeSet<String>,
}

/// What a refresh changed against the catalog it started from.
#[derive(Debug, Default, PartialEq)]
pub struct CatalogChanges {
    pub new_standards: Vec<String>,
    /// Standards the catalog has that AWS did not list in the region (kept).
    pub unlisted_standards: Vec<String>,
    /// New controls with the standards they belong to.
    pub new_controls: Vec<(String, Vec<String>)>,
    pub removed_controls: Vec<String>,
    /// Controls whose standards changed: (id, added, removed).
    pub membership: Vec<(String, Vec<String>, Vec<String>)>,
    pub retitled: usize,
    pub parameters_changed: Vec<String>,
}

impl CatalogChanges {
    pub fn is_empty(&self) -> bool {
        *self == CatalogChanges::default()
    }

    /// For people: one line per kind of change.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut line = |label: &str, items: &[String]| {
            if !items.is_empty() {
                out.push_str(&format!(
                    "{label} ({}): {}\n",
                    items.len(),
                    items.join(", ")
                ));
            }
        };
        line("new standards", &self.new_standards);
        line(
            "standards AWS did not list (kept from the catalog)",
            &self.unlisted_standards,
        );
        let new: Vec<String> = self
            .new_controls
            .iter()
            .map(|(id, stds)| match stds.is_empty() {
                true => format!("{id} (in no standard)"),
                false => format!("{id} ({})", stds.join(", ")),
            })
            .collect();
        line("new controls", &new);
        line("removed controls", &self.removed_controls);
        let moved: Vec<String> = self
            .membership
            .iter()
            .map(|(id, added, removed)| {
                let mut parts = Vec::new();
                if !added.is_empty() {
                    parts.push(format!("+{}", added.join(" +")));
                }
                if !removed.is_empty() {
                    parts.push(format!("-{}", removed.join(" -")));
                }
                format!("{id} ({})", parts.join(" "))
            })
            .collect();
        line("controls whose standards changed", &moved);
        line(
            "controls whose parameters changed",
            &self.parameters_changed,
        );
        if self.retitled > 0 {
            out.push_str(&format!("retitled controls: {}\n", self.retitled));
        }
        if out.is_empty() {
            out.push_str("no changes against the catalog\n");
        }
        out
    }
}

/// The resource part of a standard's ARN (`standards/…/v/1.0.0`, `ruleset/…`).
fn arn_tail(arn: &str) -> &str {
    arn.rsplit_once("::").map(|(_, t)| t).unwrap_or(arn)
}

/// A short name for a standard the catalog does not know: `standards/<name>/v/<version>` →
/// `<name>/<version>`.
fn short_name(tail: &str) -> String {
    let rest = tail.split_once('/').map(|(_, r)| r).unwrap_or(tail);
    match rest.rsplit_once("/v/") {
        Some((name, version)) => format!("{name}/{version}"),
        None => rest.to_string(),
    }
}

/// Control IDs in the catalog's order: by service, then by number.
fn order(id: &str) -> (String, u64, String) {
    match id.split_once('.') {
        Some((svc, n)) => (
            svc.to_string(),
            n.parse().unwrap_or(u64::MAX),
            id.to_string(),
        ),
        None => (id.to_string(), u64::MAX, id.to_string()),
    }
}

/// A parameter as AWS defines it, with what AWS leaves out (bounds, allowed values, default)
/// taken from the catalog's definition of the same type.
fn merge_parameter(live: &ParameterDef, base: Option<&ParameterDef>) -> ParameterDef {
    let Some(b) = base.filter(|b| b.value_type == live.value_type) else {
        return live.clone();
    };
    ParameterDef {
        value_type: live.value_type,
        min: live.min.clone().or_else(|| b.min.clone()),
        max: live.max.clone().or_else(|| b.max.clone()),
        min_items: live.min_items.or(b.min_items),
        max_items: live.max_items.or(b.max_items),
        allowed_values: live
            .allowed_values
            .clone()
            .or_else(|| b.allowed_values.clone()),
        default: live.default.clone().or_else(|| b.default.clone()),
    }
}

impl Catalog {
    /// The short name of a standard given by its ARN, from this catalog or `added`.
    fn short_of(&self, arn: &str, added: &[StandardDef]) -> Option<String> {
        let tail = arn_tail(arn);
        self.standards
            .iter()
            .chain(added)
            .find(|s| s.arn == tail)
            .map(|s| s.id.clone())
    }

    /// The catalog as AWS describes it in `live`'s region: AWS's controls (with their titles,
    /// parameters and, for the standards whose members were listed, their standards), with
    /// what the API does not say (legacy IDs, global-resource flags, a missing title, bounds
    /// and defaults AWS leaves out, the members of standards not listed) kept from `self`.
    pub fn refreshed(&self, live: &LiveDefinitions, today: &str) -> (Catalog, CatalogChanges) {
        let mut changes = CatalogChanges::default();
        let mut added: Vec<StandardDef> = Vec::new();
        for (arn, name) in &live.standards {
            let tail = arn_tail(arn);
            if self.standards.iter().any(|s| s.arn == tail) || added.iter().any(|s| s.arn == tail) {
                continue;
            }
            let mut id = short_name(tail);
            while self.standard(&id).is_some() || added.iter().any(|s| s.id == id) {
                id.push('+');
            }
            changes.new_standards.push(id.clone());
            added.push(StandardDef {
                id,
                name: name.clone(),
                arn: tail.to_string(),
            });
        }
        if !live.standards.is_empty() {
            for s in &self.standards {
                if !live.standards.iter().any(|(arn, _)| arn_tail(arn) == s.arn) {
                    changes.unlisted_standards.push(s.id.clone());
                }
            }
        }
        let read: BTreeSet<String> = live
            .members_read
            .iter()
            .filter_map(|arn| self.short_of(arn, &added))
            .collect();
        let mut controls = Vec::with_capacity(live.controls.len());
        let mut seen = BTreeSet::new();
        for lc in &live.controls {
            if !seen.insert(lc.id.as_str()) {
                continue;
            }
            let base = self.control(&lc.id);
            let mut standards: BTreeSet<String> = base
                .map(|b| {
                    b.standards
                        .iter()
                        .filter(|s| !read.contains(*s))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            standards.extend(lc.standards.iter().filter_map(|a| self.short_of(a, &added)));
            let standards: Vec<String> = standards.into_iter().collect();
            let parameters: BTreeMap<String, ParameterDef> = if lc.parameters.is_empty() {
                base.map(|b| b.parameters.clone()).unwrap_or_default()
            } else {
                lc.parameters
                    .iter()
                    .map(|(n, p)| {
                        let b = base.and_then(|b| b.parameters.get(n));
                        (n.clone(), merge_parameter(p, b))
                    })
                    .collect()
            };
            let title = if lc.title.trim().is_empty() {
                base.map(|b| b.title.clone()).unwrap_or_default()
            } else {
                lc.title.clone()
            };
            match base {
                None => changes
                    .new_controls
                    .push((lc.id.clone(), standards.clone())),
                Some(b) => {
                    let added: Vec<String> = standards
                        .iter()
                        .filter(|s| !b.standards.contains(s))
                        .cloned()
                        .collect();
                    let removed: Vec<String> = b
                        .standards
                        .iter()
                        .filter(|s| !standards.contains(s))
                        .cloned()
                        .collect();
                    if !added.is_empty() || !removed.is_empty() {
                        changes.membership.push((lc.id.clone(), added, removed));
                    }
                    if b.title != title {
                        changes.retitled += 1;
                    }
                    if b.parameters != parameters {
                        changes.parameters_changed.push(lc.id.clone());
                    }
                }
            }
            controls.push(ControlDef {
                id: lc.id.clone(),
                title,
                standards,
                global: base.is_some_and(|b| b.global),
                legacy_ids: base.map(|b| b.legacy_ids.clone()).unwrap_or_default(),
                parameters,
            });
        }
        for c in &self.controls {
            if !seen.contains(c.id.as_str()) {
                changes.removed_controls.push(c.id.clone());
            }
        }
        controls.sort_by_key(|c| order(&c.id));
        changes.new_controls.sort_by_key(|(id, _)| order(id));
        changes.membership.sort_by_key(|(id, _, _)| order(id));
        changes.parameters_changed.sort_by_key(|id| order(id));
        let mut standards = self.standards.clone();
        standards.extend(added);
        let region = &live.region;
        let out = Catalog::new(
            format!(
                "Refreshed by `shubctl catalog --refresh` from AWS Security Hub in {region}; read: DescribeStandards, and ListSecurityControlDefinitions (all controls, and each standard's with StandardsArn). Legacy IDs, global-resource flags, titles AWS leaves empty, parameter bounds and defaults AWS leaves out, and the members of standards AWS did not list, come from the catalog it was refreshed from (retrieved {}), whose source was: {}",
                self.retrieved, self.source
            ),
            today.to_string(),
            self.notes.clone(),
            format!(
                "ListSecurityControlDefinitions ParameterDefinitions in {region}, completed from the catalog it was refreshed from (retrieved {}), whose parameter source was: {}",
                self.retrieved, self.parameters_source
            ),
            standards,
            controls,
        );
        (out, changes)
    }

    /// This catalog with the controls of `wanted` it lacks added from AWS's definitions (each
    /// in the standards whose listing included it), marked as known only live. Controls no
    /// region defines are left out.
    pub fn with_live_controls(
        &self,
        live: &[LiveDefinitions],
        wanted: &BTreeSet<String>,
    ) -> Catalog {
        let mut out = Catalog::new(
            self.source.clone(),
            self.retrieved.clone(),
            self.notes.clone(),
            self.parameters_source.clone(),
            self.standards.clone(),
            self.controls.clone(),
        );
        out.file = self.file.clone();
        out.live_only = self.live_only.clone();
        out.live_regions = live.iter().map(|l| l.region.clone()).collect();
        let mut found: BTreeMap<&str, ControlDef> = BTreeMap::new();
        for defs in live {
            for lc in defs
                .controls
                .iter()
                .filter(|c| wanted.contains(&c.id) && self.control(&c.id).is_none() && c.offered)
            {
                let def = found.entry(&lc.id).or_insert_with(|| ControlDef {
                    id: lc.id.clone(),
                    title: lc.title.clone(),
                    standards: vec![],
                    global: false,
                    legacy_ids: BTreeMap::new(),
                    parameters: lc.parameters.clone(),
                });
                for s in lc.standards.iter().filter_map(|a| self.short_of(a, &[])) {
                    if !def.standards.contains(&s) {
                        def.standards.push(s);
                    }
                }
                def.standards.sort();
                let regions = out.live_only.entry(lc.id.clone()).or_default();
                if !regions.contains(&defs.region) {
                    regions.push(defs.region.clone());
                }
            }
        }
        out.controls.extend(found.into_values());
        out.controls.sort_by_key(|c| order(&c.id));
        out.indexed()
    }
}

impl Catalog {
    /// The controls this catalog has that `other` lacks, with their standards.
    pub fn beyond(&self, other: &Catalog) -> BTreeMap<String, Vec<String>> {
        self.controls
            .iter()
            .filter(|c| other.control(&c.id).is_none())
            .map(|c| (c.id.clone(), c.standards.clone()))
            .collect()
    }

    /// The whole definitions (standards, parameters) of the controls this catalog has that
    /// `other` lacks or that were learnt from AWS's live definitions during this run: what a
    /// saved plan needs to be applied with whichever catalog is in use then.
    pub fn learnt_beyond(&self, other: &Catalog) -> Vec<ControlDef> {
        self.controls
            .iter()
            .filter(|c| other.control(&c.id).is_none() || self.live_only.contains_key(&c.id))
            .cloned()
            .collect()
    }

    /// This catalog with `extra` controls it lacks added, whole (those naming a standard it
    /// does not have are left out): what a saved plan was computed with.
    pub fn with_controls(&self, extra: &[ControlDef]) -> Catalog {
        let mut out = Catalog::new(
            self.source.clone(),
            self.retrieved.clone(),
            self.notes.clone(),
            self.parameters_source.clone(),
            self.standards.clone(),
            self.controls.clone(),
        );
        out.file = self.file.clone();
        out.live_only = self.live_only.clone();
        for def in extra {
            if self.control(&def.id).is_some()
                || out.controls.iter().any(|c| c.id == def.id)
                || def.standards.iter().any(|s| self.standard(s).is_none())
            {
                continue;
            }
            out.controls.push(def.clone());
        }
        out.controls.sort_by_key(|c| order(&c.id));
        out.indexed()
    }
}

/// A control a plan of an older shubctl recorded by its standards only.
pub fn by_standards(id: &str, standards: &[String]) -> ControlDef {
    ControlDef {
        id: id.to_string(),
        title: id.to_string(),
        standards: standards.to_vec(),
        global: false,
        legacy_ids: BTreeMap::new(),
        parameters: BTreeMap::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::catalog::{ParameterType, built_in, standard_arn};

    fn live_from(c: &Catalog, region: &str) -> LiveDefinitions {
        LiveDefinitions {
            region: region.into(),
            standards: c
                .standards
                .iter()
                .map(|s| (standard_arn(s, region), s.name.clone()))
                .collect(),
            controls: c
                .controls
                .iter()
                .map(|d| LiveControl {
                    id: d.id.clone(),
                    title: d.title.clone(),
                    offered: true,
                    parameters: d.parameters.clone(),
                    standards: d
                        .standards
                        .iter()
                        .map(|s| standard_arn(c.standard(s).unwrap(), region))
                        .collect(),
                })
                .collect(),
            members_read: c
                .standards
                .iter()
                .map(|s| standard_arn(s, region))
                .collect(),
        }
    }

    /// AWS saying exactly what the catalog says changes nothing, and the result is the same
    /// catalog (source and date aside).
    #[test]
    fn refreshing_from_the_same_definitions_changes_nothing() {
        let base = built_in();
        let (new, changes) = base.refreshed(&live_from(base, "eu-west-1"), "2026-11-30");
        assert!(changes.is_empty(), "{changes:?}");
        assert_eq!(
            serde_json::to_value(&new.controls).unwrap(),
            serde_json::to_value(&base.controls).unwrap()
        );
        assert_eq!(new.retrieved, "2026-11-30");
        assert!(new.source.contains("eu-west-1"));
    }

    #[test]
    fn a_refresh_adds_new_controls_and_standards_and_drops_retired_ones() {
        let base = built_in();
        let mut live = live_from(base, "us-east-1");
        live.controls.retain(|c| c.id != "IAM.6");
        let fsbp = standard_arn(base.standard("fsbp/1.0.0").unwrap(), "us-east-1");
        let new_std = "arn:aws:securityhub:us-east-1::standards/new-thing/v/2.0.0".to_string();
        live.standards.push((new_std.clone(), "A New Thing".into()));
        live.members_read.insert(new_std.clone());
        live.controls.push(LiveControl {
            id: "EC2.9001".into(),
            title: "Newer".into(),
            offered: true,
            parameters: [(
                "days".to_string(),
                ParameterDef {
                    value_type: ParameterType::Integer,
                    min: Some(1.into()),
                    max: Some(9.into()),
                    min_items: None,
                    max_items: None,
                    allowed_values: None,
                    default: None,
                },
            )]
            .into(),
            standards: [fsbp.clone(), new_std.clone()].into(),
        });
        // S3.1 leaves FSBP (AWS's listing no longer includes it).
        let s3 = live.controls.iter_mut().find(|c| c.id == "S3.1").unwrap();
        s3.standards.remove(&fsbp);
        let (new, changes) = base.refreshed(&live, "2026-11-30");
        assert_eq!(changes.new_standards, ["new-thing/2.0.0"]);
        assert_eq!(
            changes.new_controls,
            [(
                "EC2.9001".to_string(),
                vec!["fsbp/1.0.0".to_string(), "new-thing/2.0.0".to_string()]
            )]
        );
        assert_eq!(changes.removed_controls, ["IAM.6"]);
        assert_eq!(
            changes.membership,
            [("S3.1".to_string(), vec![], vec!["fsbp/1.0.0".to_string()])]
        );
        assert!(new.control("IAM.6").is_none());
        assert!(new.standard("new-thing/2.0.0").is_some());
        let ec2 = new.control("EC2.9001").unwrap();
        assert_eq!(ec2.parameters["days"].max, Some(9.into()));
        // What the API does not say is kept: legacy IDs and global flags.
        assert_eq!(
            new.control("IAM.1").unwrap().legacy_ids,
            base.control("IAM.1").unwrap().legacy_ids
        );
        assert!(new.control("IAM.1").unwrap().global);
        let text = changes.render();
        assert!(text.contains("new controls (1): EC2.9001 (fsbp/1.0.0, new-thing/2.0.0)"));
        assert!(text.contains("removed controls (1): IAM.6"));
    }

    #[test]
    fn live_controls_are_added_only_when_wanted_and_offered() {
        let base = built_in();
        let fsbp = standard_arn(base.standard("fsbp/1.0.0").unwrap(), "eu-west-1");
        let mk = |id: &str, offered| LiveControl {
            id: id.into(),
            title: id.into(),
            offered,
            parameters: BTreeMap::new(),
            standards: [fsbp.clone()].into(),
        };
        let live = LiveDefinitions {
            region: "eu-west-1".into(),
            controls: vec![
                mk("EC2.9001", true),
                mk("EC2.9002", false),
                mk("EC2.9003", true),
            ],
            ..LiveDefinitions::default()
        };
        let wanted = ["EC2.9001", "EC2.9002", "EC2.9999"]
            .map(String::from)
            .into();
        let c = base.with_live_controls(&[live], &wanted);
        assert_eq!(c.control("EC2.9001").unwrap().standards, ["fsbp/1.0.0"]);
        assert!(c.control("EC2.9002").is_none(), "not offered");
        assert!(c.control("EC2.9003").is_none(), "not wanted");
        assert!(c.control("EC2.9999").is_none(), "defined nowhere");
        assert_eq!(c.live_only["EC2.9001"], ["eu-west-1"]);
        assert_eq!(c.controls.len(), base.controls.len() + 1);
        // A saved plan records them, and they come back from the record.
        let beyond = c.beyond(base);
        assert_eq!(
            beyond,
            [("EC2.9001".to_string(), vec!["fsbp/1.0.0".to_string()])].into()
        );
        let learnt = c.learnt_beyond(base);
        assert_eq!(learnt.len(), 1);
        let again = base.with_controls(&learnt);
        assert_eq!(again.control("EC2.9001").unwrap().standards, ["fsbp/1.0.0"]);
        assert!(again.beyond(&c).is_empty() && c.beyond(&again).is_empty());
    }
}
