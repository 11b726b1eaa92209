//! How to fix each diagnostic: what `shubctl explain` prints after the code's meaning, and the
//! table in `docs/diagnostics.md`. Kept apart from the codes' table so each stays one line.

use super::diagnostics::Code;

impl Code {
    /// What to change, in a sentence or two.
    pub fn fix(self) -> &'static str {
        use Code::*;
        match self {
            NoPolicyFiles => {
                "Point shubctl at the folder that holds the policy files, or name the files themselves; only `*.yaml` and `*.yml` are read."
            }
            NoSuchPath => {
                "Check the path for a typo; paths are relative to the directory shubctl runs in (default `policies/`)."
            }
            Unreadable => "Give the user running shubctl read access to the file or folder.",
            NotUtf8 => "Save the file as UTF-8 (most editors: \"Save with encoding\").",
            YamlSyntax => {
                "Fix the YAML at the line and column given: indent with spaces, not tabs; close brackets and quotes; quote values that start with `*`, `&`, `!`, `@` or `%`."
            }
            DuplicateKey => "Keep one of the two keys; merge their values if both were meant.",
            YamlTooLarge => {
                "Write the values out instead of expanding anchors and aliases, and nest less deeply."
            }
            CatalogSyntax => {
                "Write the catalog file with `shubctl catalog --refresh --out FILE` rather than by hand, or fix the field named at the line and column given."
            }
            CatalogContent => {
                "Regenerate the file with `shubctl catalog --refresh --out FILE`, or correct the entry named at the line and column given."
            }
            UnknownKey => {
                "Fix the key's spelling (the message suggests the closest) or remove it; `shubctl schema` lists every key."
            }
            WrongType => {
                "Give a value of the type the message names (`shubctl schema` has each key's type)."
            }
            MissingKey => "Add the key the message names.",
            UnknownValue => "Use one of the values the message lists.",
            OutOfRange => "Use a number within the range the message gives.",
            FormatVersion => {
                "Write `shubctl: 1`, or upgrade shubctl to read a newer policy format."
            }
            DefinedTwice => {
                "Keep the section in one of the two files the message names, merging what the other had."
            }
            NoScope => {
                "Add `account: \"123456789012\"` for one account, or an `organization:` section."
            }
            AccountAndOrganization => {
                "Keep `account` for one account or `organization` for an organisation, not both."
            }
            BadAccountId => "Write the account ID as 12 digits, quoted (`\"012345678901\"`).",
            BadOuId => {
                "Write OU IDs as `ou-` followed by the root's and the OU's letters and digits (`ou-ab12-cd34ef56`) and root IDs as `r-ab12`, as Organizations shows them."
            }
            BadRoleName => {
                "Use an IAM role name: letters, digits and `+=,.@_-` (a path with `/`), not an ARN."
            }
            EmptyAccountList => {
                "List at least one account or OU, or leave the selection out to mean every account."
            }
            AdminExcluded => {
                "Remove the delegated administrator from `exclude` (it must be in scope to administer the others), or name another administrator."
            }
            AdminIsManagement => {
                "Designate a member account (a security or audit account) as `delegated_admin`, as AWS recommends."
            }
            NotInOrganization => {
                "Fix the ID (compare with `aws organizations list-accounts` / `list-organizational-units-for-parent`), or remove it if the account or OU is gone."
            }
            ManagementMismatch => {
                "Set `management_account` to the organisation's management account, or run shubctl with the credentials of the organisation the policy is for."
            }
            NoOrganizationAccounts => {
                "Run with credentials that can list the organisation's accounts (the management account, or a delegated administrator for Organizations), or use a snapshot that records them."
            }
            SelfManagedWithoutCentral => {
                "Add `configuration: central`, or remove `self_managed` (under local configuration every account is managed one by one)."
            }
            CentralUnsupported => {
                "Remove the setting the message names, or keep `configuration: local`."
            }
            CentralRegionDependent => {
                "Drop the `regions:` limit (a configuration policy applies in every linked region), or keep `configuration: local`."
            }
            CentralPerStandard => {
                "Drop the `standards:` limit so the exception disables the control in every standard, or keep `configuration: local`."
            }
            TooManyConfigurations => {
                "Make accounts share configurations (fewer per-account standards and exceptions), or keep `configuration: local`."
            }
            NoRegions => "Add `regions: { home: us-east-1, include: [us-east-1, ...] }`.",
            UnknownRegion => {
                "Fix the region's name (the message suggests the closest); `aws ec2 describe-regions` lists them."
            }
            DuplicateRegion => "List each region once.",
            HomeNotIncluded => "Add the home region to `include`.",
            ExcludeWithList => {
                "Remove the regions from the list instead; `exclude` goes with `include: all`."
            }
            HomeExcluded => "Remove the home region from `exclude`, or choose another home region.",
            NoEnabledRegions => {
                "List the regions (`include: [us-east-1, ...]`), or run with credentials that may call `account:ListRegions` (or a snapshot that records the enabled regions)."
            }
            RegionNotManaged => {
                "Add the region to `regions.include`, or remove it from the selection."
            }
            EmptySelection => {
                "Name at least one account or region, or leave the selection out to mean all."
            }
            MixedPartitions => {
                "Keep one partition's regions in a policy; manage the other partition with a policy of its own and its own credentials."
            }
            HubNeeded => {
                "Set `hub: { enabled: true }`, or remove the sections that need Security Hub."
            }
            UnknownStandard => {
                "Use a standard's short name (the message suggests the closest); `shubctl catalog` lists them."
            }
            StandardLongName => "Write the standard's short name the message gives (`fsbp/1.0.0`).",
            DuplicateStandard => {
                "List the standard once; limit it with `accounts` / `regions` in one entry."
            }
            UnknownControl => {
                "Fix the control ID (the message suggests the closest), or, for a control newer than the catalog, run `shubctl catalog --refresh --out catalog.json` and pass `--catalog catalog.json`."
            }
            LegacyControlNumber => {
                "Write the security-control ID the message gives (`IAM.4`) instead of the standard's own number."
            }
            ControlNotInStandard => {
                "Remove the standard from the exception's `standards`, or name the control that standard holds (`shubctl catalog --standard ID`)."
            }
            ControlAndControls => {
                "Give either `control: ID` or `controls: [ID, ...]`, exactly one of them."
            }
            EmptyControls => "List at least one control, or remove the exception.",
            RepeatedControl => "List each control once.",
            NoEffect => {
                "Remove the exception (or the part the message names), or widen it to where the control is enabled."
            }
            EmptyReason => {
                "Say why the control is disabled in `reason`; it is sent to AWS as the disabled reason."
            }
            ReasonTooLong => "Shorten the reason to 1,024 characters; put the rest in the ticket.",
            EmptyField => "Fill in `owner` or `ticket`, or leave the key out.",
            BadDate => "Write the date as YYYY-MM-DD (`2027-06-30`).",
            ExceptionExpired => {
                "Review the exception with its owner: renew it with a later `expires`, or delete it and let the controls run."
            }
            ExceptionExpiring => {
                "Review the exception with its owner before it expires: renew it with a later `expires`, or plan for the controls to run."
            }
            OverlappingExceptions => {
                "Narrow one of the two exceptions (`accounts`, `regions`, `standards`) or merge them; the most specific one's reason is the one AWS records."
            }
            DuplicateParameters => {
                "Give the control's parameters in one `control_parameters` entry."
            }
            NoParameters => "Add the parameters to set, or remove the entry.",
            BadParameterValue => {
                "Use a value of the parameter's type and range, as the message says (`shubctl catalog --standard ID` lists the controls; AWS's control reference the parameters)."
            }
            UnknownParameter => {
                "Fix the parameter's name (the message suggests the closest), or remove it."
            }
            ExceptionPlaceholder => {
                "Fill in the owner, ticket and expiry that `shubctl export` left as TODO."
            }
            ControlFromCatalogFile => {
                "None needed; to make the policy independent of the file, wait for a shubctl whose built-in catalog has the control."
            }
            ControlFromLiveDefinitions => {
                "Run `shubctl catalog --refresh --out catalog.json` and pass `--catalog catalog.json` (or set SHUBCTL_CATALOG), so validation and snapshot plans know the control too."
            }
            ParametersOutsideStandards => {
                "Enable a standard that holds the control, or remove its parameters."
            }
            AggregatorRegions => {
                "Give `regions` with `all_regions_except_specified` and `specified_regions` only."
            }
            AggregatorHome => "Remove the home region from the aggregator's `regions`.",
            UnknownFilterField => {
                "Fix the field's name (the message suggests the closest ASFF field)."
            }
            FieldNotInRules => {
                "Use a field automation rules accept (the message lists the closest), or move the filter to an insight."
            }
            TooManyAttributes => {
                "Filter on at most 10 attributes; split the insight in two if needed."
            }
            TooManyValues => {
                "Give at most 20 values per filter; use a prefix where the values share one."
            }
            ConflictingComparisons => {
                "Keep one kind of comparison per field: `equals` or `not_equals`, `contains` or `not_contains`."
            }
            BadFilter => {
                "Write the value in the shape its field's type takes (the message names the type)."
            }
            DuplicateName => {
                "Give each insight, rule, custom action or analyzer a name of its own."
            }
            EmptyName => "Give it a name.",
            BadGroupBy => {
                "Group by an attribute Security Hub allows (the message suggests the closest)."
            }
            NoFilters => "Add at least one filter (`RecordState: ACTIVE` for everything active).",
            TooManyRules => {
                "Keep at most 100 automation rules; merge rules that do the same thing."
            }
            RuleOrder => "Give `order` a number from 1 to 1000.",
            RuleOrderReused => {
                "Give each rule its own `order`, so which one runs first is not left to AWS."
            }
            NoActions => "Add an action (`severity`, `workflow`, `note`, ...), or remove the rule.",
            ActionOutOfRange => "Use a number from 0 to 100.",
            EmptyNote => "Write the note's text, or remove `note`.",
            BadActionTarget => {
                "Keep the id to 20 letters and digits and the name to 20 characters, as AWS requires."
            }
            RuntimeMonitoringBoth => {
                "Turn `eks_runtime_monitoring` off: `runtime_monitoring` covers EKS and supersedes it."
            }
            FeaturesUndeclared => {
                "Declare every feature the message lists (`on` or `off`): AWS turns on the ones left out."
            }
            NeedsOrganization => {
                "Remove the setting, or manage an organisation with an `organization:` section."
            }
            RepeatedResourceType => "List each resource type once.",
            BadAnalyzerName => {
                "Use up to 255 letters, digits, `_`, `.` and `-`, starting with a letter or `_`."
            }
            AnalyzerTypeTaken => {
                "Keep one analyzer of that type per region; add archive rules to it instead of a second analyzer."
            }
            UnusedAccessAge => {
                "Give `unused_access_age` (1 to 365 days) only to `*_unused_access` analyzers."
            }
            BadArchiveRule => {
                "Give the rule a unique name and at least one filter, within AWS's limits the message gives."
            }
            BadProductName => "Write the product as `company/product` (`aws/guardduty`).",
            DuplicateProduct => "List each product once.",
            OffAcrossOrganization => {
                "Keep the service on (GuardDuty `enabled: true`, Macie `enabled` or `paused`), or stop managing it by removing its section; to turn it off across the organisation, have its administrator disassociate and delete the members first, then remove the section."
            }
            ScpTooLarge => {
                "Exempt fewer roles or list fewer `extra_actions` (wildcards such as `securityhub:Disable*` shorten it), or split the guardrail."
            }
            BadIamAction => {
                "Write the action as `service:Action` (`securityhub:DisableSecurityHub`); wildcards are allowed in the action."
            }
            BadExemptRole => {
                "Give a role name (`BreakGlass`) or a role ARN pattern of the home region's partition (`arn:aws:iam::*:role/BreakGlass*`)."
            }
            ExclusionNoEffect => {
                "Remove the exclusion, or attach the guardrail to a target above it."
            }
            GuardrailCoversNothing => {
                "Exclude less, or attach the guardrail to a target the exclusions do not cover."
            }
            BadGuardrailName => {
                "Keep the SCP's name (`shubctl-<name>`) to 1–128 characters without control characters, and the description to 512."
            }
            ScpCannotRestrict => {
                "Remove the action from `extra_actions`: only the management account may call it, and SCPs never restrict the management account. `shubctl plan` shows a changed delegated administrator as drift on `delegated-admin/<service>`."
            }
            BadRouteName => {
                "Use letters, digits, `.`, `_` and `-`, at most 64 characters with the `shubctl-` prefix the rule gets, and a description of at most 512 characters."
            }
            BadRouteMatch => {
                "Give each match field at least one value EventBridge accepts (the message names the field)."
            }
            BadRouteTarget => {
                "Target a resource in the route's account's region (an event bus may be elsewhere), of a type EventBridge delivers to."
            }
            TooManyTargets => "Keep at most 5 targets per route; split the route in two.",
            PatternTooLarge => {
                "Match fewer values (a prefix, a shorter list), or split the route in two."
            }
            BadInputTransformer => {
                "Fix the paths and template as the message says: every `<name>` in the template needs a path."
            }
            DuplicateTarget => "Give each target its own `id`.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Code;

    #[test]
    fn every_code_says_how_to_fix_it() {
        for c in Code::ALL {
            let fix = c.fix();
            assert!(fix.len() > 10 && fix.ends_with('.'), "{}: {fix}", c.id());
            assert_ne!(fix, c.summary(), "{}", c.id());
        }
    }
}
