//! Central configuration (`organization.configuration: central`): what a configuration policy
//! cannot express, refused at validation with the policy line, and (in [`compile`]) the policy
//! compiled to configuration policies and their associations.
//!
//! A configuration policy holds, for every account it reaches, whether Security Hub is on, the
//! standards enabled, the controls disabled and control parameters — the same in the home
//! region and every linked region, and for a control in every standard at once. Anything in
//! the policy that differs by region or by standard therefore has no central equivalent.

pub mod compile;

use std::collections::BTreeSet;

use crate::model::catalog::catalog;
use crate::spec::compose::{Composed, Located};
use crate::spec::diagnostics::{Code, Diagnostics};
use crate::spec::sections::aggregator::LinkingMode;
use crate::spec::sections::hub::ControlFindingGenerator;
use crate::spec::sections::organization::{AutoEnableStandards, Organization};
use crate::spec::sections::select::managed_regions;
use crate::spec::sections::standards::StandardEntry;

/// What AWS answers when auto-enable is asked for under central configuration.
const AWS_AUTO_ENABLE_REFUSAL: &str =
    "Auto Enable and AutoEnableStandards can not be enabled for Central Configuration";

/// Reports every setting of the policy that central configuration cannot express.
pub fn check(
    c: &Composed,
    o: &Located<Organization>,
    admin_is_management: bool,
    d: &mut Diagnostics,
) {
    let org = &o.value;
    if org.auto_enable == Some(true) {
        d.error(
            &c.pos(o, "/auto_enable"),
            Code::CentralUnsupported,
            format!(
                "AWS refuses auto-enable under central configuration (\"{AWS_AUTO_ENABLE_REFUSAL}\"); new accounts get Security Hub from the configuration policy they inherit: leave `auto_enable` out"
            ),
        );
    }
    if org.auto_enable_standards == AutoEnableStandards::Default {
        d.error(
            &c.pos(o, "/auto_enable_standards"),
            Code::CentralUnsupported,
            format!(
                "AWS refuses default standards for new accounts under central configuration (\"{AWS_AUTO_ENABLE_REFUSAL}\"); the standards come from the configuration policy: leave `auto_enable_standards` out"
            ),
        );
    }
    if admin_is_management {
        d.error(
            &c.pos(o, "/delegated_admin"),
            Code::CentralUnsupported,
            "central configuration needs a delegated administrator other than the management account (AWS does not let the management account be it); designate the audit account",
        );
    }
    match &c.aggregator {
        None => d.error(
            &c.pos(o, "/configuration"),
            Code::CentralUnsupported,
            "central configuration needs a home region, which is where the finding aggregator is: add an `aggregator` section (its linked regions are where the configuration policies apply)",
        ),
        Some(a) => unlinked_regions(c, a.value.linking, a.value.regions.as_deref(), d),
    }
    if let Some(h) = &c.hub {
        if h.value.control_finding_generator != ControlFindingGenerator::default() {
            d.error(
                &c.pos(h, "/control_finding_generator"),
                Code::CentralUnsupported,
                "a configuration policy has no control finding generator, and AWS refuses to change it in a centrally managed account; leave it out (consolidated control findings, AWS's default)",
            );
        }
        if !h.value.auto_enable_controls {
            d.error(
                &c.pos(h, "/auto_enable_controls"),
                Code::CentralUnsupported,
                "a configuration policy that lists disabled controls enables new controls automatically, and AWS refuses the setting in a centrally managed account; leave it out",
            );
        }
    }
    if let Some(s) = &c.standards {
        for (i, e) in s.value.iter().enumerate() {
            if let StandardEntry::Scoped(sc) = e
                && sc.regions.is_some()
            {
                d.error(
                    &c.pos(s, &format!("/{i}/regions")),
                    Code::CentralRegionDependent,
                    format!(
                        "a configuration policy applies in the home region and every linked region alike, so `{}` cannot be limited to some regions under central configuration; remove `regions:` to enable it everywhere",
                        sc.standard
                    ),
                );
            }
        }
    }
    exceptions(c, d);
}

/// Exceptions limited by region, or to some of the standards that hold a control.
fn exceptions(c: &Composed, d: &mut Diagnostics) {
    let enabled: BTreeSet<&str> = c
        .standards
        .iter()
        .flat_map(|s| s.value.iter())
        .map(|e| e.name())
        .collect();
    for e in c.exceptions.iter().flatten() {
        let x = &e.value;
        let ids: Vec<&String> = x
            .control
            .iter()
            .chain(x.controls.iter().flatten())
            .collect();
        if x.regions.is_some() {
            let known: Vec<_> = ids.iter().filter_map(|id| catalog().control(id)).collect();
            let message = if !known.is_empty() && known.iter().all(|c| c.global) {
                format!(
                    "under central configuration AWS itself disables controls that check global resources ({}) in every region but the home region, and a control cannot be disabled in some regions only; delete this exception if that is all it does, or remove `regions:` to disable the control everywhere",
                    known
                        .iter()
                        .map(|c| c.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            } else {
                "a configuration policy applies in the home region and every linked region alike, so a control cannot be disabled in some regions only; remove `regions:` to disable it everywhere, or keep it enabled and suppress its findings where they do not apply (AWS's advice, e.g. with an automation rule)".to_string()
            };
            d.error(&c.pos(e, "/regions"), Code::CentralRegionDependent, message);
        }
        let Some(stds) = &x.standards else { continue };
        for id in &ids {
            let Some(def) = catalog().control(id) else {
                continue;
            };
            let left: Vec<&str> = def
                .standards
                .iter()
                .map(String::as_str)
                .filter(|s| enabled.contains(s) && !stds.iter().any(|x| x == s))
                .collect();
            if !left.is_empty() {
                d.error(
                    &c.pos(e, "/standards"),
                    Code::CentralPerStandard,
                    format!(
                        "a configuration policy disables a control in every standard at once, but `{id}` is also in {}, which this exception leaves enabled; remove `standards:` to disable it in all of them",
                        left.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
                    ),
                );
            }
        }
    }
}

/// Managed regions the aggregator does not link would keep their own, local configuration.
fn unlinked_regions(
    c: &Composed,
    linking: LinkingMode,
    linked: Option<&[String]>,
    d: &mut Diagnostics,
) {
    let (Some(managed), Some(r)) = (managed_regions(c), &c.regions) else {
        // `include: all`: which regions that is is known only once the organisation is read.
        return;
    };
    let home = &r.value.home;
    let linked = linked.unwrap_or_default();
    let unlinked: Vec<&String> = managed
        .iter()
        .filter(|m| *m != home)
        .filter(|m| match linking {
            LinkingMode::AllRegions => false,
            LinkingMode::NoRegions => true,
            LinkingMode::SpecifiedRegions => !linked.contains(m),
            LinkingMode::AllRegionsExceptSpecified => linked.contains(m),
        })
        .collect();
    if !unlinked.is_empty() {
        let list: Vec<String> = unlinked.iter().map(|r| format!("`{r}`")).collect();
        d.error(
            &c.pos(r, "/include"),
            Code::CentralRegionDependent,
            format!(
                "configuration policies apply only in the home region and the regions linked to it, and {} {} not linked by the `aggregator`; link {} there, or stop managing {}",
                list.join(", "),
                if list.len() == 1 { "is" } else { "are" },
                if list.len() == 1 { "it" } else { "them" },
                if list.len() == 1 { "it" } else { "them" },
            ),
        );
    }
}
