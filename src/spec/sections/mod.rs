//! One module per policy section. Each holds the section's file format (the types the JSON
//! Schema is generated from), its check — which returns the section parsed, so expansion can
//! neither fail nor fall back — and its expansion into desired state.
//!
//! [`with_sections!`] lists the sections once; the file format ([`super::file`]), the composed
//! policy ([`super::compose`]) and the checked policy ([`super::policy`]) are generated from it.

// Account and region selectors, shared by the sections.
pub mod select;

use super::diagnostics::Diagnostics;
use super::expand::{Expansion, OrgDesired};
use crate::model::{AccountId, DesiredScope};

/// The sections of a policy file, in the order they are checked: how each composes across
/// files (`single`: defined in one file only; `list`: concatenated in file order) and its
/// type. The module of the same name (declared from this table) checks and expands it.
macro_rules! with_sections {
    ($then:ident) => {
        $then! {
            top {
            /// Single-account set-up: the one account managed. Use `organization` instead for an
            /// AWS organisation.
            single account: String;
            single organization: sections::organization::Organization;
            single regions: sections::regions::Regions;
            single hub: sections::hub::Hub;
            /// Security standards to enable, by short name (`fsbp/1.0.0`, `cis/1.4.0`, `pci-dss/3.2.1`, ...),
            /// optionally limited to some accounts or regions. Standards not listed are disabled.
            single standards: Vec<sections::standards::StandardEntry>;
            /// Controls to disable, each with a reason. Every control not covered by an exception is
            /// kept enabled in every enabled standard.
            list exceptions: sections::exceptions::Exception;
            /// Custom parameter values for controls that take parameters.
            list control_parameters: sections::control_parameters::ControlParameters;
            single aggregator: sections::aggregator::Aggregator;
            /// Custom insights, created in the administrator account's home region.
            list insights: sections::insights::Insight;
            /// Custom actions (EventBridge targets), created in the administrator account's home region.
            list action_targets: sections::action_targets::ActionTarget;
            /// Automation rules, evaluated by the administrator account's home region.
            list automation_rules: sections::automation_rules::AutomationRule;
            /// The service control policy that keeps Security Hub and the integrated services from
            /// being turned off, and where it is attached (organisations only).
            single guardrails: sections::guardrails::Guardrails;
            /// EventBridge rules that send findings to targets (SNS, SQS, Lambda, Step Functions, an
            /// event bus), in the administrator account.
            list routes: sections::routes::Route;
            }
            integrations {
                single guardduty: sections::guardduty::GuardDuty;
                single inspector: sections::inspector::Inspector;
                single macie: sections::macie::Macie;
                single access_analyzer: sections::access_analyzer::AccessAnalyzer;
                /// Product integrations whose findings Security Hub imports, as `company/product`
                /// (`aws/guardduty`, `crowdstrike/crowdstrike-falcon`).
                single products: Vec<String>;
            }
        }
    };
}
pub(crate) use with_sections;

/// Each section's module has the section's name: the table declares them.
macro_rules! declare_modules {
    (
        top { $( $(#[$doc:meta])* $how:ident $field:ident : $ty:ty; )* }
        integrations { $( $(#[$idoc:meta])* $ihow:ident $ifield:ident : $ity:ty; )* }
    ) => {
        $( pub mod $field; )*
        $( pub mod $ifield; )*
    };
}
with_sections!(declare_modules);

/// What a checked section contributes to the desired state.
pub(crate) trait Section {
    /// What the section wants in one account × region, and what to read there.
    fn scope(
        &self,
        _x: &Expansion<'_>,
        _account: &AccountId,
        _region: &str,
        _out: &mut DesiredScope,
    ) {
    }
    /// Diagnostics that need the organisation (roots, OUs, accounts), before anything is read.
    fn check_org(&self, _x: &Expansion<'_>, _d: &mut Diagnostics) {}
    /// What the section wants once: in the administrator's or the management account.
    fn organization(&self, _x: &Expansion<'_>, _out: &mut OrgDesired) {}
    /// Diagnostics only known once every scope is expanded.
    fn finish(&self, _x: &Expansion<'_>, _d: &mut Diagnostics) {}
}
