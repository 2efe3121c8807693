// Every rule, in the order derive runs them. Order matters where a rule reads what an earlier
// one found: admin-equivalence before the escalation techniques (admins are not escalated from),
// RUNS_AS before ec2-modify-instance-user-data (it targets roles instances really run as).
import type { Rule } from "./meta.js";
import { entryAccessKey } from "./entry-access-key/rule.js";
import { exposesInstance } from "./exposes-instance/rule.js";
import { exposesLoadBalancer } from "./exposes-load-balancer/rule.js";
import { exposesS3Bucket } from "./exposes-s3-bucket/rule.js";
import { exposesRdsInstance } from "./exposes-rds-instance/rule.js";
import { canReachSecurityGroup } from "./can-reach-security-group/rule.js";
import { runsAsInstanceProfile } from "./runs-as-instance-profile/rule.js";
import { adminEquivalent } from "./admin-equivalent/rule.js";
import { canAccessData } from "./can-access-data/rule.js";
import { canAssumeRole } from "./can-assume-role/rule.js";
import { TECHNIQUES } from "./techniques.js";
import { azureExposesVm } from "./azure-exposes-vm/rule.js";
import { azureExposesStorage } from "./azure-exposes-storage/rule.js";
import { azureExposesSql } from "./azure-exposes-sql/rule.js";
import { azureEntryCredential } from "./azure-entry-credential/rule.js";
import { azureRunsAsManagedIdentity } from "./azure-runs-as-managed-identity/rule.js";
import { azureAdminEquivalent } from "./azure-admin-equivalent/rule.js";
import { azureCanAccessData } from "./azure-can-access-data/rule.js";
import { azureRoleAssignmentWrite } from "./azure-role-assignment-write/rule.js";
import { azureFederatedCredentialWrite } from "./azure-federated-credential-write/rule.js";
import { gcpExposesInstance } from "./gcp-exposes-instance/rule.js";
import { gcpExposesBucket } from "./gcp-exposes-bucket/rule.js";
import { gcpExposesSql } from "./gcp-exposes-sql/rule.js";
import { gcpExposesBigqueryDataset } from "./gcp-exposes-bigquery-dataset/rule.js";
import { gcpEntryUserManagedKey } from "./gcp-entry-user-managed-key/rule.js";
import { gcpRunsAsServiceAccount } from "./gcp-runs-as-service-account/rule.js";
import { gcpAdminEquivalent } from "./gcp-admin-equivalent/rule.js";
import { gcpCanAccessData } from "./gcp-can-access-data/rule.js";
import { gcpImpersonation } from "./gcp-impersonation/rule.js";

export const NETWORK_RULES: Rule[] = [
  exposesInstance,
  exposesLoadBalancer,
  exposesS3Bucket,
  exposesRdsInstance,
  canReachSecurityGroup,
  azureExposesVm,
  azureExposesStorage,
  azureExposesSql,
  gcpExposesInstance,
  gcpExposesBucket,
  gcpExposesSql,
  gcpExposesBigqueryDataset,
];
export const IDENTITY_RULES: Rule[] = [
  entryAccessKey,
  runsAsInstanceProfile,
  adminEquivalent,
  canAccessData,
  canAssumeRole,
  // Azure: admin-equivalence before the escalations (admins are not escalated from).
  azureEntryCredential,
  azureRunsAsManagedIdentity,
  azureAdminEquivalent,
  azureCanAccessData,
  azureRoleAssignmentWrite,
  azureFederatedCredentialWrite,
  // GCP: admin-equivalence before impersonation (admins are not escalated from).
  gcpEntryUserManagedKey,
  gcpRunsAsServiceAccount,
  gcpAdminEquivalent,
  gcpCanAccessData,
  gcpImpersonation,
];
export const RULES: Rule[] = [...NETWORK_RULES, ...IDENTITY_RULES, ...TECHNIQUES];
