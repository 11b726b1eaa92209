//! Problems found in policy files, reported as `file:line:column: severity[code]: message`.
//!
//! Every diagnostic has a stable code (`SH301`) and a name (`unknown-control`), so a pull
//! request bot or a person can refer to it; `docs/diagnostics.md` lists them all, and a test
//! keeps that list and this table in step.

use std::fmt;

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

macro_rules! codes {
    ($( $variant:ident = $id:literal, $name:literal, $summary:literal; )*) => {
        /// A stable diagnostic code. Codes are never reused or renumbered.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $( $variant, )* }

        impl Code {
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];
            /// `SH301`
            pub fn id(self) -> &'static str {
                match self { $( Code::$variant => $id, )* }
            }
            /// `unknown-control`
            pub fn name(self) -> &'static str {
                match self { $( Code::$variant => $name, )* }
            }
            /// What the code means, in one line.
            pub fn summary(self) -> &'static str {
                match self { $( Code::$variant => $summary, )* }
            }
        }
    };
}

codes! {
    // Files and YAML
    NoPolicyFiles = "SH001", "no-policy-files", "A folder given as a policy holds no *.yaml or *.yml file.";
    NoSuchPath = "SH002", "no-such-path", "A policy path does not exist.";
    Unreadable = "SH003", "unreadable-file", "A policy file or folder cannot be read.";
    NotUtf8 = "SH004", "not-utf8", "A policy file is not UTF-8 text.";
    YamlSyntax = "SH005", "yaml-syntax", "The file is not valid YAML (brackets, indentation, tabs, quoting).";
    DuplicateKey = "SH006", "duplicate-key", "A mapping defines the same key twice.";
    YamlTooLarge = "SH007", "yaml-too-large", "The YAML expands beyond the parser's limits (aliases, nesting).";
    CatalogSyntax = "SH020", "catalog-syntax", "A catalog file (`--catalog`, `SHUBCTL_CATALOG`) that cannot be read, is not JSON, lacks data/catalog.json's fields and types, or has a field that format does not (a misspelling).";
    CatalogContent = "SH021", "catalog-content", "A catalog file that contradicts itself: a control listed twice or not written `SERVICE.N`, a control in a standard the file does not define, a parameter default its own definition refuses, a min above its max, an Enum with an empty list of allowed values.";
    // Shape of the file (the JSON Schema of `shubctl schema`)
    UnknownKey = "SH101", "unknown-key", "A key the policy format does not have.";
    WrongType = "SH102", "wrong-type", "A value of the wrong type (a list where a mapping is expected, text where a number is).";
    MissingKey = "SH103", "missing-key", "A required key is missing.";
    UnknownValue = "SH104", "unknown-value", "A value outside the allowed set (an enum).";
    OutOfRange = "SH105", "out-of-range", "A number outside its allowed range.";
    FormatVersion = "SH106", "format-version", "A policy format version this shubctl does not read.";
    DefinedTwice = "SH107", "section-defined-twice", "A single-valued section is defined in two files.";
    // Scope: accounts and the organisation
    NoScope = "SH201", "no-scope", "The policy has neither `account` nor `organization`.";
    AccountAndOrganization = "SH202", "account-and-organization", "Both `account` and `organization` are set.";
    BadAccountId = "SH203", "bad-account-id", "An account ID that is not exactly 12 digits.";
    BadOuId = "SH204", "bad-ou-id", "An OU or root ID of the wrong form.";
    BadRoleName = "SH205", "bad-role-name", "A role name IAM would not accept.";
    EmptyAccountList = "SH206", "empty-account-list", "An account selection with nothing in it.";
    AdminExcluded = "SH207", "admin-excluded", "The delegated administrator is excluded from scope.";
    AdminIsManagement = "SH208", "admin-is-management", "The delegated administrator is the management account (warning).";
    NotInOrganization = "SH209", "not-in-organization", "An account or OU the organisation does not have.";
    ManagementMismatch = "SH210", "management-mismatch", "The organisation's management account differs from the policy's.";
    NoOrganizationAccounts = "SH211", "no-organization-accounts", "The state source reports no accounts, so selections cannot expand.";
    SelfManagedWithoutCentral = "SH212", "self-managed-without-central", "`self_managed` given without `configuration: central`.";
    CentralUnsupported = "SH213", "central-unsupported", "A setting central configuration cannot have (auto-enable, hub settings, no aggregator, the management account as administrator).";
    CentralRegionDependent = "SH214", "central-region-dependent", "Something limited to some regions, which a configuration policy (the same in every linked region) cannot express.";
    CentralPerStandard = "SH215", "central-per-standard", "An exception limited to some of a control's standards, which a configuration policy (one setting per control) cannot express.";
    TooManyConfigurations = "SH216", "too-many-configurations", "Central configuration would need more configuration policies than AWS's 20.";
    // Regions
    NoRegions = "SH251", "no-regions", "The policy has no `regions` section.";
    UnknownRegion = "SH252", "unknown-region", "A region name Security Hub does not run in.";
    DuplicateRegion = "SH253", "duplicate-region", "A region listed twice.";
    HomeNotIncluded = "SH254", "home-not-included", "The home region is not among the managed regions.";
    ExcludeWithList = "SH255", "exclude-with-list", "`exclude` given with an explicit region list.";
    HomeExcluded = "SH256", "home-excluded", "The home region is excluded.";
    NoEnabledRegions = "SH257", "no-enabled-regions", "`include: all` but the state source reports no enabled regions.";
    RegionNotManaged = "SH258", "region-not-managed", "A selection names a region the policy does not manage.";
    EmptySelection = "SH259", "empty-selection", "An account or region selection with nothing in it.";
    MixedPartitions = "SH260", "mixed-partitions", "Regions of different AWS partitions (`aws`, `aws-cn`, `aws-us-gov`) in one policy: each has its own accounts and credentials.";
    // Hub, standards, controls, exceptions
    HubNeeded = "SH301", "hub-needed", "Security Hub is disabled but other sections need it.";
    UnknownStandard = "SH302", "unknown-standard", "A standard the catalog does not know.";
    StandardLongName = "SH303", "standard-long-name", "A standard written by its AWS name instead of its short name.";
    DuplicateStandard = "SH304", "duplicate-standard", "A standard listed twice.";
    UnknownControl = "SH305", "unknown-control", "A control ID the catalog does not know (a live plan first asks AWS's control definitions when this is the policy's only problem; see SH325).";
    LegacyControlNumber = "SH306", "legacy-control-number", "A standard-specific control number instead of a security-control ID.";
    ControlNotInStandard = "SH307", "control-not-in-standard", "An exception names a standard the control is not part of.";
    ControlAndControls = "SH308", "control-and-controls", "An exception gives both `control` and `controls`, or neither.";
    EmptyControls = "SH309", "empty-controls", "An exception's `controls` list is empty.";
    RepeatedControl = "SH310", "repeated-control", "An exception lists a control twice (warning).";
    NoEffect = "SH311", "no-effect", "An exception or part of one disables nothing (warning).";
    EmptyReason = "SH312", "empty-reason", "An exception without a reason.";
    ReasonTooLong = "SH313", "reason-too-long", "A reason longer than AWS's 1024 characters.";
    EmptyField = "SH314", "empty-field", "`owner` or `ticket` given but empty.";
    BadDate = "SH315", "bad-date", "A date that is not YYYY-MM-DD.";
    ExceptionExpired = "SH316", "exception-expired", "An exception past its expiry date; its controls are re-enabled (warning).";
    ExceptionExpiring = "SH317", "exception-expiring", "An exception that expires soon (warning).";
    OverlappingExceptions = "SH318", "overlapping-exceptions", "Two exceptions disable the same control in the same place (warning).";
    DuplicateParameters = "SH319", "duplicate-parameters", "Parameters for one control given twice.";
    NoParameters = "SH320", "no-parameters", "A `control_parameters` entry without parameters.";
    BadParameterValue = "SH321", "bad-parameter-value", "A parameter value of the wrong type, outside its range, not an allowed value, or with too many items.";
    UnknownParameter = "SH322", "unknown-parameter", "A parameter the control does not take (or a control that takes no parameters).";
    ExceptionPlaceholder = "SH323", "exception-placeholder", "An exception's owner, ticket or expiry still reads TODO, as `shubctl export` left it for people to fill (warning).";
    ControlFromCatalogFile = "SH324", "control-from-catalog-file", "A control the built-in catalog lacks, known from the catalog file given with `--catalog` (warning).";
    ControlFromLiveDefinitions = "SH325", "control-from-live-definitions", "A control the catalog lacks that AWS's live control definitions include: a live plan whose only errors were unknown controls read the definitions and found it (warning). `shubctl catalog --refresh` writes a catalog that has it.";
    ParametersOutsideStandards = "SH326", "parameters-outside-standards", "Parameters for a control that none of the standards the policy enables holds: they would have no effect. In a scope whose standards do not hold a control, its parameters are not managed.";
    // Aggregator
    AggregatorRegions = "SH351", "aggregator-regions", "Aggregator regions given with a linking mode that takes none, or missing where needed.";
    AggregatorHome = "SH352", "aggregator-home-region", "The aggregator lists the home region, which always aggregates.";
    // Finding filters, insights, automation rules, custom actions
    UnknownFilterField = "SH401", "unknown-filter-field", "A finding filter field Security Hub does not have.";
    FieldNotInRules = "SH402", "field-not-in-rules", "A filter field automation rules cannot use.";
    TooManyAttributes = "SH403", "too-many-attributes", "An insight with more than 10 filter attributes.";
    TooManyValues = "SH404", "too-many-values", "A filter with more than 20 values.";
    ConflictingComparisons = "SH405", "conflicting-comparisons", "Comparisons Security Hub rejects together (equals with not_equals, contains with not_contains).";
    BadFilter = "SH406", "bad-filter", "A filter value of the wrong shape for its field's type.";
    DuplicateName = "SH407", "duplicate-name", "Two insights, rules, custom actions or analyzers with one name.";
    EmptyName = "SH408", "empty-name", "A name that is empty.";
    BadGroupBy = "SH409", "bad-group-by", "An insight grouped by an attribute Security Hub cannot group by.";
    NoFilters = "SH410", "no-filters", "An insight or rule without any filter.";
    TooManyRules = "SH411", "too-many-rules", "More than 100 automation rules.";
    RuleOrder = "SH412", "rule-order", "A rule order outside 1–1000.";
    RuleOrderReused = "SH413", "rule-order-reused", "Two rules with the same order (warning).";
    NoActions = "SH414", "no-actions", "An automation rule that changes nothing.";
    ActionOutOfRange = "SH415", "action-out-of-range", "A confidence or criticality outside 0–100.";
    EmptyNote = "SH416", "empty-note", "An automation rule note that is empty.";
    BadActionTarget = "SH417", "bad-action-target", "A custom action id, name or description AWS would refuse.";
    // Integrated services
    RuntimeMonitoringBoth = "SH501", "runtime-monitoring-both", "GuardDuty EKS runtime monitoring and runtime monitoring both on.";
    FeaturesUndeclared = "SH502", "features-undeclared", "GuardDuty features left undeclared, so unmanaged (warning).";
    NeedsOrganization = "SH503", "needs-organization", "A setting that only applies to an organisation, in a single-account policy.";
    RepeatedResourceType = "SH504", "repeated-resource-type", "An Inspector resource type listed twice.";
    BadAnalyzerName = "SH505", "bad-analyzer-name", "An analyzer name Access Analyzer would refuse.";
    AnalyzerTypeTaken = "SH506", "analyzer-type-taken", "Two account-level analyzers of one type, or two organisation-level internal-access analyzers, in a region.";
    UnusedAccessAge = "SH507", "unused-access-age", "`unused_access_age` on the wrong type or outside 1–365.";
    BadArchiveRule = "SH508", "bad-archive-rule", "An archive rule that is empty, repeated or over AWS's limits.";
    BadProductName = "SH509", "bad-product-name", "A product not written as `company/product`.";
    DuplicateProduct = "SH510", "duplicate-product", "A product listed twice.";
    OffAcrossOrganization = "SH511", "off-across-organization", "GuardDuty or Macie turned off in an organisation, which only the service's administrator can do for its members.";
    // Guardrails (the SCP) and routes (EventBridge rules)
    ScpTooLarge = "SH601", "scp-too-large", "The guardrail SCP is longer than the 5,120 characters AWS allows.";
    BadIamAction = "SH602", "bad-iam-action", "An action not written `service:Action`.";
    BadExemptRole = "SH603", "bad-exempt-role", "An exempt role that is neither an IAM role name nor a role ARN, or a role ARN of another partition than the home region's.";
    ExclusionNoEffect = "SH604", "exclusion-no-effect", "A guardrail exclusion outside every target it is attached to (warning).";
    GuardrailCoversNothing = "SH605", "guardrail-covers-nothing", "The guardrail's exclusions leave nothing to attach it to.";
    BadGuardrailName = "SH606", "bad-guardrail-name", "A guardrail name or description Organizations would refuse.";
    ScpCannotRestrict = "SH607", "scp-cannot-restrict", "A guardrail action only the management account may call, which no SCP restricts (warning).";
    BadRouteName = "SH651", "bad-route-name", "A route name EventBridge would refuse as a rule name.";
    BadRouteMatch = "SH652", "bad-route-match", "A route's finding match with an empty list or a value EventBridge would refuse.";
    BadRouteTarget = "SH653", "bad-route-target", "A route target EventBridge cannot deliver to from the route's account and region.";
    TooManyTargets = "SH654", "too-many-targets", "A route with more than the 5 targets a rule may have.";
    PatternTooLarge = "SH655", "pattern-too-large", "A route's event pattern longer than EventBridge's 2,048-character quota.";
    BadInputTransformer = "SH656", "bad-input-transformer", "An input transformer EventBridge would refuse.";
    DuplicateTarget = "SH657", "duplicate-target", "Two targets of one route with the same id.";
}

impl Code {
    /// A code by its id (`SH301`, any case) or its name (`unknown-control`).
    pub fn find(text: &str) -> Option<Code> {
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.id().eq_ignore_ascii_case(text) || c.name() == text)
    }

    /// The table of every code, as `docs/diagnostics.md` lists it.
    pub fn markdown_table() -> String {
        let mut out = String::from("| code | name | meaning | fix |\n|---|---|---|---|\n");
        for c in Code::ALL {
            out.push_str(&format!(
                "| `{}` | `{}` | {} | {} |\n",
                c.id(),
                c.name(),
                c.summary(),
                c.fix().replace('|', "\\|")
            ));
        }
        out
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: Code,
    pub file: String,
    pub line: u64,
    pub column: u64,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{}:{}:{}: {sev}[{}]: {}",
            self.file, self.line, self.column, self.code, self.message
        )
    }
}

/// A place in a policy file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Pos {
    pub file: String,
    pub line: u64,
    pub column: u64,
}

impl Pos {
    /// The start of a whole file (for problems with the file itself).
    pub fn file(path: impl Into<String>) -> Self {
        Pos {
            file: path.into(),
            line: 1,
            column: 1,
        }
    }
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

#[derive(Debug, Default)]
pub struct Diagnostics {
    pub items: Vec<Diagnostic>,
    /// The control IDs reported unknown (`SH305`): a live plan asks AWS about them.
    pub unknown_controls: std::collections::BTreeSet<String>,
}

impl Diagnostics {
    pub fn error(&mut self, pos: &Pos, code: Code, message: impl Into<String>) {
        self.push(Severity::Error, code, pos, message.into());
    }
    pub fn warning(&mut self, pos: &Pos, code: Code, message: impl Into<String>) {
        self.push(Severity::Warning, code, pos, message.into());
    }
    fn push(&mut self, severity: Severity, code: Code, pos: &Pos, message: String) {
        self.items.push(Diagnostic {
            severity,
            code,
            file: pos.file.clone(),
            line: pos.line,
            column: pos.column,
            message,
        });
    }
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }
    pub fn errors(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }
    pub fn warnings(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count()
    }
    /// Sorted by file, line and column, duplicates removed, so output is stable.
    pub fn sorted(mut self) -> Vec<Diagnostic> {
        self.items.sort_by(|a, b| {
            (&a.file, a.line, a.column, a.severity, &a.message)
                .cmp(&(&b.file, b.line, b.column, b.severity, &b.message))
        });
        self.items.dedup();
        self.items
    }
}

/// ` (did you mean `x`?)` when a candidate is close enough to be a likely typo.
pub fn did_you_mean<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let lower = input.to_ascii_lowercase();
    let best = candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&lower, &c.to_ascii_lowercase()), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((_, c)) => format!(" (did you mean `{c}`?)"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut ids = std::collections::BTreeSet::new();
        let mut names = std::collections::BTreeSet::new();
        for c in Code::ALL {
            assert!(ids.insert(c.id()), "{} twice", c.id());
            assert!(names.insert(c.name()), "{} twice", c.name());
            assert!(c.id().starts_with("SH") && c.id().len() == 5, "{}", c.id());
            assert!(
                c.name()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'-' || b.is_ascii_digit())
            );
            assert!(c.summary().ends_with('.'), "{}", c.id());
        }
    }
}
