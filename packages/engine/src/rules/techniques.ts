// The privilege-escalation techniques of the pathfinding.cloud catalogue in scope (IAM, STS, EC2).
// sts-001 (sts:AssumeRole) is the can-assume-role rule, which derives CAN_ASSUME.
import type { Rule } from "./meta.js";
import { iamCreatePolicyVersion } from "./iam-create-policy-version/rule.js";
import { iamPutRolePolicySelf } from "./iam-put-role-policy-self/rule.js";
import { iamPutUserPolicySelf } from "./iam-put-user-policy-self/rule.js";
import { iamAttachUserPolicySelf } from "./iam-attach-user-policy-self/rule.js";
import { iamAttachRolePolicySelf } from "./iam-attach-role-policy-self/rule.js";
import { iamAttachGroupPolicySelf } from "./iam-attach-group-policy-self/rule.js";
import { iamPutGroupPolicySelf } from "./iam-put-group-policy-self/rule.js";
import { iamAddUserToGroup } from "./iam-add-user-to-group/rule.js";
import { iamCreateAccessKey } from "./iam-create-access-key/rule.js";
import { iamCreateAccessKeyDelete } from "./iam-create-access-key-delete/rule.js";
import { iamCreateLoginProfile } from "./iam-create-login-profile/rule.js";
import { iamUpdateLoginProfile } from "./iam-update-login-profile/rule.js";
import { iamUpdateAssumeRolePolicy } from "./iam-update-assume-role-policy/rule.js";
import { iamAttachRolePolicyAssume } from "./iam-attach-role-policy-assume/rule.js";
import { iamAttachUserPolicyAccessKey } from "./iam-attach-user-policy-access-key/rule.js";
import { iamCreatePolicyVersionAssume } from "./iam-create-policy-version-assume/rule.js";
import { iamPutRolePolicyAssume } from "./iam-put-role-policy-assume/rule.js";
import { iamPutUserPolicyAccessKey } from "./iam-put-user-policy-access-key/rule.js";
import { iamAttachRolePolicyUpdateTrust } from "./iam-attach-role-policy-update-trust/rule.js";
import { iamCreatePolicyVersionUpdateTrust } from "./iam-create-policy-version-update-trust/rule.js";
import { iamPutRolePolicyUpdateTrust } from "./iam-put-role-policy-update-trust/rule.js";
import { ec2PassroleRunInstances } from "./ec2-passrole-run-instances/rule.js";
import { ec2PassroleSpotInstances } from "./ec2-passrole-spot-instances/rule.js";
import { ec2ModifyInstanceUserData } from "./ec2-modify-instance-user-data/rule.js";
import { ec2LaunchTemplateVersion } from "./ec2-launch-template-version/rule.js";

export const TECHNIQUES: Rule[] = [
  iamCreatePolicyVersion,
  iamPutRolePolicySelf,
  iamPutUserPolicySelf,
  iamAttachUserPolicySelf,
  iamAttachRolePolicySelf,
  iamAttachGroupPolicySelf,
  iamPutGroupPolicySelf,
  iamAddUserToGroup,
  iamCreateAccessKey,
  iamCreateAccessKeyDelete,
  iamCreateLoginProfile,
  iamUpdateLoginProfile,
  iamUpdateAssumeRolePolicy,
  iamAttachRolePolicyAssume,
  iamAttachUserPolicyAccessKey,
  iamCreatePolicyVersionAssume,
  iamPutRolePolicyAssume,
  iamPutUserPolicyAccessKey,
  iamAttachRolePolicyUpdateTrust,
  iamCreatePolicyVersionUpdateTrust,
  iamPutRolePolicyUpdateTrust,
  ec2PassroleRunInstances,
  ec2PassroleSpotInstances,
  ec2ModifyInstanceUserData,
  ec2LaunchTemplateVersion,
];
