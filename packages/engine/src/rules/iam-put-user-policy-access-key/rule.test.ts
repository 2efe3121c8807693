// iam-018 from the catalogue: the attacker holding exactly the required permissions escalates;
// without any one of them, or with an explicit Deny on one, it does not.
import { describeTechnique } from "../../../test/technique-case.js";
import { iamPutUserPolicyAccessKey } from "./rule.js";

describeTechnique(iamPutUserPolicyAccessKey);
