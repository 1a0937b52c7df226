// Errors raised by the codec: a value that cannot be encoded, and a payload that cannot be decoded.
// Both carry the path of the offending part so a user can find it in their own data.
import { XprError } from '../errors.ts';

/** A value (or part of one) the codec refuses to encode: a function, symbol, class instance, cycle... */
export class UncodableValueError extends XprError {
  override name = 'UncodableValueError';
  /** Where the value sits, built from the root path, e.g. `args[1].calculator.fn`. */
  readonly path: string;
  /** What it is: 'function', 'symbol', 'cycle', 'WeakMap', 'Promise', 'class instance of Foo'... */
  readonly valueKind: string;

  constructor(path: string, valueKind: string) {
    const [what, fix] = explainKind(valueKind);
    super(`Cannot encode ${path}: ${what} cannot be sent to a job. ${fix}`);
    this.path = path;
    this.valueKind = valueKind;
  }
}

/** Encoded text that is not a payload this version of xpr can read; nothing of it was executed. */
export class CodecFormatError extends XprError {
  override name = 'CodecFormatError';
  /** Where in the payload the problem is, e.g. `v.items[3]`; '' for the whole text. */
  readonly path: string;
  /** What was wrong there. */
  readonly problem: string;

  constructor(path: string, problem: string) {
    super(`Cannot decode xpr payload${path ? ` at ${path}` : ''}: ${problem}`);
    this.path = path;
    this.problem = problem;
  }
}

const classPrefix = 'class instance of ';

// The phrase naming a refused kind, and what the user can do instead.
function explainKind(kind: string): [string, string] {
  switch (kind) {
    case 'function':
      return ['a function', 'Pass data, or export the function and reference it by module and name.'];
    case 'symbol':
      return ['a symbol', 'Use a string instead.'];
    case 'cycle':
      return [
        'a reference to an object that contains it (a cycle)',
        'Shared references are fine, but a value cannot contain itself: break the cycle.',
      ];
    case 'Promise':
      return ['a Promise', 'Await it and pass the resolved value.'];
    case 'WeakMap':
    case 'WeakSet':
    case 'WeakRef':
      return [`a ${kind}`, 'Its contents cannot be listed: use a Map or Set, or pass the data it refers to.'];
  }
  const className = kind.startsWith(classPrefix) ? kind.slice(classPrefix.length) : kind;
  return [
    `an instance of class ${className}`,
    'Pass its data as a plain object (or an Array, Map, Set, Date, Error, typed array or Buffer) and rebuild the instance inside the op.',
  ];
}
