import type { Linter } from "eslint";

export const neo4jConfig: Linter.Config[];
