// iam-008 from the catalogue: the attacker holding exactly the required permissions escalates;
// without any one of them, or with an explicit Deny on one, it does not.
import { describeTechnique } from "../../../test/technique-case.js";
import { iamAttachUserPolicySelf } from "./rule.js";

describeTechnique(iamAttachUserPolicySelf);
