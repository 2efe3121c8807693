// @ctem/testkit: filled by its issue (see DESIGN.md's package table); nothing here pretends to work yet.
export {};
