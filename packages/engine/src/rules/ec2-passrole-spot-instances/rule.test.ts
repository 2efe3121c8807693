// ec2-003 from the catalogue: the attacker holding exactly the required permissions escalates;
// without any one of them, or with an explicit Deny on one, it does not.
import { describeTechnique } from "../../../test/technique-case.js";
import { ec2PassroleSpotInstances } from "./rule.js";

describeTechnique(ec2PassroleSpotInstances);
