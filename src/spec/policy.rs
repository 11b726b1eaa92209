//! The checked policy: every section parsed and checked, with the positions the plan cites.
//! This is what expansion, the engine and the commands work from.

use chrono::NaiveDate;

use super::compose::Composed;
use super::diagnostics::{Code, Diagnostics, Pos};
use super::sections::{self, Section};
use crate::model::{Kind, KindSet, Service};

/// What checking needs to know besides the files.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// Exceptions expire as of this date.
    pub today: NaiveDate,
    /// Warn about exceptions expiring within this many days.
    pub expiry_warning_days: i64,
}

/// Where a section starts (the first entry of a list section).
macro_rules! section_pos {
    (single, $c:expr, $slot:expr) => {
        $slot.as_ref().map(|x| $c.pos(x, ""))
    };
    (list, $c:expr, $slot:expr) => {
        $slot
            .as_ref()
            .and_then(|v| v.first())
            .map(|x| $c.pos(x, ""))
    };
}

macro_rules! define_policy {
    (
        top { $( $(#[$doc:meta])* $how:ident $field:ident : $ty:ty; )* }
        integrations { $( $(#[$idoc:meta])* $ihow:ident $ifield:ident : $ity:ty; )* }
    ) => {
        /// A policy whose every section parsed and checked.
        #[derive(Debug, Clone, Default)]
        pub struct Policy {
            /// Policy files read (including those that could not be loaded).
            pub files_read: usize,
            /// Where each section present is written, by name (`standards`,
            /// `integrations.guardduty`): what a fix points at.
            pub sections_at: std::collections::BTreeMap<&'static str, Pos>,
            $( pub $field: Option<sections::$field::Checked>, )*
            $( pub $ifield: Option<sections::$ifield::Checked>, )*
        }

        impl Policy {
            /// Checks every section, in order; problems go to `d`.
            pub fn check(c: &Composed, opts: &CheckOptions, d: &mut Diagnostics) -> Policy {
                let mut sections_at = std::collections::BTreeMap::new();
                $( if let Some(p) = section_pos!($how, c, c.$field) { sections_at.insert(stringify!($field), p); } )*
                $( if let Some(p) = section_pos!($ihow, c, c.$ifield) { sections_at.insert(concat!("integrations.", stringify!($ifield)), p); } )*
                Policy {
                    files_read: c.files_read,
                    sections_at,
                    $( $field: sections::$field::check(c, opts, d), )*
                    $( $ifield: sections::$ifield::check(c, opts, d), )*
                }
            }

            /// The kinds the policy manages: those of the sections present, and the hub (managed
            /// with or without a `hub` section).
            pub fn declared_kinds(&self) -> KindSet {
                let mut out = KindSet::from([Kind::Hub]);
                $( if self.$field.is_some() { out.extend(sections::$field::KINDS); } )*
                $( if self.$ifield.is_some() { out.extend(sections::$ifield::KINDS); } )*
                match &self.organization {
                    Some(o) => {
                        if !o.manage_members {
                            out.remove(&Kind::Member);
                        }
                        if o.central || o.leave_central {
                            out.extend([Kind::ConfigPolicy, Kind::PolicyAssociation]);
                        }
                    }
                    // One account: no administrators, organisation settings or members.
                    None => out.retain(|k| !k.org_only()),
                }
                out
            }

            /// The sections present, in order.
            pub(crate) fn sections(&self) -> Vec<&dyn Section> {
                let mut out: Vec<&dyn Section> = Vec::new();
                $( if let Some(s) = &self.$field { out.push(s); } )*
                $( if let Some(s) = &self.$ifield { out.push(s); } )*
                out
            }
        }

        impl Composed {
            /// The sections the files declare, by name, with the kinds each one manages.
            pub fn declared(&self) -> Vec<(&'static str, &'static [Kind])> {
                let mut out = Vec::new();
                $( if self.$field.is_some() { out.push((stringify!($field), sections::$field::KINDS)); } )*
                $( if self.$ifield.is_some() { out.push((concat!("integrations.", stringify!($ifield)), sections::$ifield::KINDS)); } )*
                out
            }
        }
    };
}

sections::with_sections!(define_policy);

impl Policy {
    /// The integrated services with a delegated administrator that the policy declares.
    /// Access Analyzer counts when the policy declares organisation analyzers, which live in
    /// its delegated administrator's account.
    pub fn declared_services(&self) -> Vec<Service> {
        let mut out: Vec<Service> = Service::WITH_ADMIN
            .into_iter()
            .filter(|s| match s {
                Service::GuardDuty => self.guardduty.is_some(),
                Service::Inspector => self.inspector.is_some(),
                Service::Macie => self.macie.is_some(),
                _ => false,
            })
            .collect();
        if self.organization.is_some()
            && self
                .access_analyzer
                .as_ref()
                .is_some_and(|a| a.organization_level())
        {
            out.push(Service::AccessAnalyzer);
        }
        out
    }

    /// The integrated services expected on wherever the hub is (what `doctor` checks): those
    /// declared on under `integrations`, and those whose product integration is listed.
    pub fn expected_services(&self) -> Vec<Service> {
        let product = |s: &str| {
            self.products
                .as_ref()
                .is_some_and(|p| p.products.iter().any(|x| x == s))
        };
        let mut out = Vec::new();
        if self.guardduty.as_ref().is_some_and(|g| g.enabled) || product("aws/guardduty") {
            out.push(Service::GuardDuty);
        }
        if self
            .inspector
            .as_ref()
            .is_some_and(|i| !i.resource_types.is_empty())
            || product("aws/inspector")
        {
            out.push(Service::Inspector);
        }
        if self
            .macie
            .as_ref()
            .is_some_and(|m| m.status == Some(crate::model::wire::MacieStatus::Enabled))
            || product("aws/macie")
        {
            out.push(Service::Macie);
        }
        out
    }

    /// Whether Security Hub is to be on (the policy manages it even without a `hub` section).
    pub fn hub_enabled(&self) -> bool {
        self.hub.as_ref().is_none_or(|h| h.enabled)
    }
}

/// Checks that hold across files: the format version of each.
pub(super) fn check_files(c: &Composed, d: &mut Diagnostics) {
    for f in &c.files {
        if let Some(v) = f.content.shubctl
            && v != 1
        {
            d.error(
                &f.map.pos("/shubctl"),
                Code::FormatVersion,
                format!("unsupported policy format version {v}; this shubctl reads version 1"),
            );
        }
    }
}
