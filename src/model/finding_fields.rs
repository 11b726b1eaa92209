//! The vocabulary of Security Hub's finding filters: every field `AwsSecurityFindingFilters`
//! has, its filter type, and which fields automation rules and insight grouping accept.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilterType {
    String,
    Number,
    Date,
    Map,
    Ip,
    Boolean,
    Keyword,
}

const STRING_FIELDS: &[&str] = &[
    "ProductArn",
    "AwsAccountId",
    "AwsAccountName",
    "Id",
    "GeneratorId",
    "Region",
    "Type",
    "SeverityLabel",
    "Title",
    "Description",
    "RecommendationText",
    "SourceUrl",
    "ProductName",
    "CompanyName",
    "MalwareName",
    "MalwareType",
    "MalwarePath",
    "MalwareState",
    "NetworkDirection",
    "NetworkProtocol",
    "NetworkSourceDomain",
    "NetworkSourceMac",
    "NetworkDestinationDomain",
    "ProcessName",
    "ProcessPath",
    "ThreatIntelIndicatorType",
    "ThreatIntelIndicatorValue",
    "ThreatIntelIndicatorCategory",
    "ThreatIntelIndicatorSource",
    "ThreatIntelIndicatorSourceUrl",
    "ResourceType",
    "ResourceId",
    "ResourcePartition",
    "ResourceRegion",
    "ResourceAwsEc2InstanceType",
    "ResourceAwsEc2InstanceImageId",
    "ResourceAwsEc2InstanceKeyName",
    "ResourceAwsEc2InstanceIamInstanceProfileArn",
    "ResourceAwsEc2InstanceVpcId",
    "ResourceAwsEc2InstanceSubnetId",
    "ResourceAwsS3BucketOwnerId",
    "ResourceAwsS3BucketOwnerName",
    "ResourceAwsIamAccessKeyUserName",
    "ResourceAwsIamAccessKeyPrincipalName",
    "ResourceAwsIamAccessKeyStatus",
    "ResourceAwsIamUserUserName",
    "ResourceContainerName",
    "ResourceContainerImageId",
    "ResourceContainerImageName",
    "ComplianceStatus",
    "ComplianceSecurityControlId",
    "ComplianceAssociatedStandardsId",
    "ComplianceSecurityControlParametersName",
    "ComplianceSecurityControlParametersValue",
    "VerificationState",
    "WorkflowState",
    "WorkflowStatus",
    "RecordState",
    "RelatedFindingsProductArn",
    "RelatedFindingsId",
    "NoteText",
    "NoteUpdatedBy",
    "FindingProviderFieldsRelatedFindingsId",
    "FindingProviderFieldsRelatedFindingsProductArn",
    "FindingProviderFieldsSeverityLabel",
    "FindingProviderFieldsSeverityOriginal",
    "FindingProviderFieldsTypes",
    "VulnerabilitiesExploitAvailable",
    "VulnerabilitiesFixAvailable",
    "ResourceApplicationName",
    "ResourceApplicationArn",
    "ResourceOwnerAccountId",
    "ResourceOwnerOrgId",
    "ResourceProvider",
];
const NUMBER_FIELDS: &[&str] = &[
    "Confidence",
    "Criticality",
    "NetworkSourcePort",
    "NetworkDestinationPort",
    "ProcessPid",
    "ProcessParentPid",
    "FindingProviderFieldsConfidence",
    "FindingProviderFieldsCriticality",
    "SeverityProduct",
    "SeverityNormalized",
];
const DATE_FIELDS: &[&str] = &[
    "FirstObservedAt",
    "LastObservedAt",
    "CreatedAt",
    "UpdatedAt",
    "ProcessLaunchedAt",
    "ProcessTerminatedAt",
    "ThreatIntelIndicatorLastObservedAt",
    "ResourceAwsEc2InstanceLaunchedAt",
    "ResourceAwsIamAccessKeyCreatedAt",
    "ResourceContainerLaunchedAt",
    "NoteUpdatedAt",
];
const MAP_FIELDS: &[&str] = &[
    "ProductFields",
    "UserDefinedFields",
    "ResourceTags",
    "ResourceDetailsOther",
];
const IP_FIELDS: &[&str] = &[
    "NetworkSourceIpV4",
    "NetworkSourceIpV6",
    "NetworkDestinationIpV4",
    "NetworkDestinationIpV6",
    "ResourceAwsEc2InstanceIpV4Addresses",
    "ResourceAwsEc2InstanceIpV6Addresses",
];

/// Fields an automation rule's criteria may use (`AutomationRulesFindingFilters`).
pub const RULE_FIELDS: &[&str] = &[
    "ProductArn",
    "AwsAccountId",
    "AwsAccountName",
    "Id",
    "GeneratorId",
    "Type",
    "FirstObservedAt",
    "LastObservedAt",
    "CreatedAt",
    "UpdatedAt",
    "Confidence",
    "Criticality",
    "Title",
    "Description",
    "SourceUrl",
    "ProductName",
    "CompanyName",
    "SeverityLabel",
    "ResourceType",
    "ResourceId",
    "ResourcePartition",
    "ResourceRegion",
    "ResourceTags",
    "ResourceDetailsOther",
    "ComplianceStatus",
    "ComplianceSecurityControlId",
    "ComplianceAssociatedStandardsId",
    "VerificationState",
    "WorkflowStatus",
    "RecordState",
    "RelatedFindingsProductArn",
    "RelatedFindingsId",
    "NoteText",
    "NoteUpdatedAt",
    "NoteUpdatedBy",
    "UserDefinedFields",
    "ResourceApplicationArn",
    "ResourceApplicationName",
    "ResourceProvider",
    "ResourceOwnerAccountId",
    "ResourceOwnerOrgId",
];

/// Attributes an insight can group by: the string filter fields.
pub fn group_by_attributes() -> &'static [&'static str] {
    STRING_FIELDS
}

pub fn field_type(name: &str) -> Option<FilterType> {
    if STRING_FIELDS.contains(&name) {
        Some(FilterType::String)
    } else if NUMBER_FIELDS.contains(&name) {
        Some(FilterType::Number)
    } else if DATE_FIELDS.contains(&name) {
        Some(FilterType::Date)
    } else if MAP_FIELDS.contains(&name) {
        Some(FilterType::Map)
    } else if IP_FIELDS.contains(&name) {
        Some(FilterType::Ip)
    } else if name == "Sample" {
        Some(FilterType::Boolean)
    } else if name == "Keyword" {
        Some(FilterType::Keyword)
    } else {
        None
    }
}

/// Every field a policy's filters may name.
pub fn all_field_names() -> Vec<&'static str> {
    all_fields().collect()
}

pub fn all_fields() -> impl Iterator<Item = &'static str> {
    STRING_FIELDS
        .iter()
        .chain(NUMBER_FIELDS)
        .chain(DATE_FIELDS)
        .chain(MAP_FIELDS)
        .chain(IP_FIELDS)
        .copied()
        .chain(["Sample", "Keyword"])
}
