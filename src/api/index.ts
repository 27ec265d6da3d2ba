// Public surface of src/api: the CRDs (objects, install), offline validation and the generated types.
export { allCrds, buildCrd, type CustomResourceDefinition, crdName } from './crds.js';
export type * from './generated/types.js';
export { CRD_FIELD_MANAGER, CrdInstallError, type InstallCrdsOptions, installCrds } from './install.js';
export { COMPONENT_LABEL, ESO_GROUP, findKind, GENERATORS_GROUP, KINDS, type KindDefinition } from './kinds.js';
export {
  type DocumentResult,
  normalizeManifest,
  type ValidateOptions,
  type ValidationIssue,
  validateDocuments,
  validateManifest,
} from './validate.js';
