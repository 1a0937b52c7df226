// Public surface of the bundle area: locate an op, bundle it, bundle the job runner.
// Callers get plain data (OpRef, CodeBundle) back.
export { locateOp, type OpRef, type OpInput } from './locate.ts';
export { bundleModule, type CodeBundle } from './bundle.ts';
export { bundleRunner } from './runner-bundle.ts';
export { UnshippableOpError, BundleError } from './errors.ts';
