// Public surface of the operator.
export { EventRecorder } from './events.js';
export * from './externalsecret/constants.js';
export { dataHash, objectHashOfString, resourceVersionOf } from './externalsecret/hash.js';
export { ExternalSecretReconciler, LANES, type Lane } from './externalsecret/reconciler.js';
export { startOperatorHttp } from './http.js';
export {
  builtinControllers,
  type ControllerContext,
  type ControllerRuntime,
  type OperatorController,
  type OperatorHandle,
  type OperatorOptions,
  registerController,
  startOperator,
} from './manager.js';
export { OperatorMetrics } from './metrics.js';
export { OperatorResources } from './resources.js';
