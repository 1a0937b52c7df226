// Base class for every error xpr raises on purpose.
// Subclasses live beside the feature that throws them and carry fields a caller can act on.
export class XprError extends Error {
  override name = 'XprError';
}
